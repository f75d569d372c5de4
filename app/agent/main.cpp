// meshx-agent: the embedded dev agent as a process (a Consul HTTP API subset).

#include <QCoreApplication>
#include <QSocketNotifier>

#include <sys/socket.h>
#include <unistd.h>
#include <csignal>
#include <cstdio>
#include <string>
#include <vector>

#include "agent/agent_command_line.h"
#include "agent/dev_agent.h"
#include "meshx/version.h"

namespace {

int gSignalPipe[2] = {-1, -1};

void onSignal(int signo) {
    const char byte = static_cast<char>(signo);
    [[maybe_unused]] auto n = ::write(gSignalPipe[1], &byte, 1);
}

}  // namespace

int main(int argc, char** argv) {
    using namespace meshx::agent;
    std::vector<std::string> args(argv + 1, argv + argc);
    auto cl = AgentCommandLine::parse(args);
    if (!cl) {
        std::fprintf(stderr, "%s\n%s", cl.error().message.c_str(), kAgentUsage);
        return 1;
    }
    if (cl->help) {
        std::fputs(kAgentUsage, stdout);
        return 0;
    }
    if (cl->version) {
        std::printf("meshx-agent %s (Consul HTTP API subset of v1.16)\n", meshx::kVersion);
        return 0;
    }

    QCoreApplication app(argc, argv);
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, gSignalPipe) != 0) {
        std::perror("socketpair");
        return 1;
    }
    struct sigaction sa {};
    sa.sa_handler = onSignal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    std::signal(SIGPIPE, SIG_IGN);
    int caught = 0;
    QSocketNotifier notifier(gSignalPipe[0], QSocketNotifier::Read);
    QObject::connect(&notifier, &QSocketNotifier::activated, &app, [&] {
        char byte = 0;
        if (::read(gSignalPipe[0], &byte, 1) == 1) {
            caught = byte;
        }
        app.quit();
    });

    std::fputs("==> Starting Meshx dev agent...\n", stdout);
    std::fflush(stdout);
    DevAgent agent(cl->config, AgentLog::stdoutSink());
    auto bound = agent.start(cl->listen);
    if (!bound) {
        std::fprintf(stderr, "==> Error starting agent: %s\n", bound.error().message.c_str());
        return 1;
    }
    std::fputs(agent.banner().c_str(), stdout);
    std::fflush(stdout);

    app.exec();

    std::printf("==> Caught signal: %s\n==> Gracefully shutting down agent...\n",
                caught == SIGTERM ? "terminated" : "interrupt");
    std::fflush(stdout);
    agent.stop();
    std::fputs("==> Agent shutdown complete\n", stdout);
    return 0;
}
