// meshx-proxy start cost (issue 20.4): what one sidecar costs from exec to "ready to serve",
// against a real `meshx-agent -dev` process, for this build's meshx-proxy and a baseline binary
// measured in the same run, interleaved (baseline, ours, baseline, ours, ...) so load drifts hit
// both alike.
//
//   bench_proxy_start --baseline /path/to/old/meshx-proxy [--runs 30] [--proxy PATH]
//
// Per binary it prints: shared libraries loaded (ldd lines), `-version` CPU (exec, dynamic
// linking, exit), and for a real sidecar start (-sidecar-for against the agent: config, CA roots,
// leaf certificate, listeners) the wall time exec -> ready line and the CPU of the whole process
// (exec -> ready -> SIGTERM -> exit, from wait4) and SIGTERM -> exit, medians of the runs; then
// baseline ÷ ours.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/mesh_config.h"
#include "consul/agent_endpoints.h"
#include "proxy/agent_http_client.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Child {
    pid_t pid = -1;
    int out = -1;  // read end of stdout + stderr
};

Child spawn(const std::vector<std::string>& argv) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        return {};
    }
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::dup2(fds[1], 1);
        ::dup2(fds[1], 2);
        std::vector<char*> args;
        for (const auto& a : argv) {
            args.push_back(const_cast<char*>(a.c_str()));
        }
        args.push_back(nullptr);
        ::execv(args[0], args.data());
        ::_exit(127);
    }
    ::close(fds[1]);
    return {pid, fds[0]};
}

// Reads the child's output until `marker` appears (true) or `timeoutMs` passes / EOF (false).
bool waitFor(const Child& c, const std::string& marker, int timeoutMs, std::string* seen) {
    const auto deadline = Clock::now() + std::chrono::milliseconds(timeoutMs);
    char buf[4096];
    while (Clock::now() < deadline) {
        pollfd p{c.out, POLLIN, 0};
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (::poll(&p, 1, static_cast<int>(std::max<long long>(left, 1))) <= 0) {
            continue;
        }
        const ssize_t n = ::read(c.out, buf, sizeof buf);
        if (n <= 0) {
            return false;
        }
        seen->append(buf, static_cast<size_t>(n));
        if (seen->find(marker) != std::string::npos) {
            return true;
        }
    }
    return false;
}

// SIGTERM, reap; the CPU seconds (user + system) of the child's whole life.
double stopAndCpu(Child& c) {
    ::kill(c.pid, SIGTERM);
    int status = 0;
    rusage ru{};
    ::wait4(c.pid, &status, 0, &ru);
    ::close(c.out);
    c.pid = -1;
    return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

double median(std::vector<double> v) {
    if (v.empty()) {
        return 0;
    }
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

int libraries(const std::string& binary) {
    const std::string command = "ldd '" + binary + "' | wc -l";
    FILE* p = ::popen(command.c_str(), "r");
    int n = -1;
    if (p != nullptr) {
        if (std::fscanf(p, "%d", &n) != 1) {
            n = -1;
        }
        ::pclose(p);
    }
    return n;
}

std::string loadAverage() {
    std::ifstream in("/proc/loadavg");
    std::string a, b, c;
    in >> a >> b >> c;
    return a + " " + b + " " + c;
}

struct Figures {
    std::vector<double> versionCpuMs, readyWallMs, sidecarCpuMs, stopWallMs;
    int failures = 0;
};

}  // namespace

int main(int argc, char** argv) {
    std::string ours = std::string(MESHX_BIN_DIR) + "/meshx-proxy";
    std::string baseline;
    int runs = 30;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i];
        if (flag == "--baseline") {
            baseline = argv[i + 1];
        } else if (flag == "--proxy") {
            ours = argv[i + 1];
        } else if (flag == "--runs") {
            runs = std::clamp(std::atoi(argv[i + 1]), 1, 1000);
        }
    }
    if (baseline.empty()) {
        std::fprintf(stderr,
                     "usage: bench_proxy_start --baseline OLD_MESHX_PROXY [--runs N] "
                     "[--proxy PATH]\n");
        return 2;
    }

    Child agent = spawn({std::string(MESHX_BIN_DIR) + "/meshx-agent", "-dev", "-http-port", "0",
                         "-node", "bench-node"});
    std::string banner;
    const bool up = waitFor(agent, "HTTP address: ", 30000, &banner) &&
                    (banner.find('\n', banner.find("HTTP address: ")) != std::string::npos ||
                     waitFor(agent, "\n", 5000, &banner));
    if (!up) {
        std::fprintf(stderr, "meshx-agent did not start: %s\n", banner.c_str());
        ::kill(agent.pid, SIGTERM);
        ::waitpid(agent.pid, nullptr, 0);
        return 1;
    }
    // The agent logs as it serves: keep its pipe drained so it never blocks on a full pipe.
    std::thread([fd = agent.out] {
        char sink[4096];
        while (::read(fd, sink, sizeof sink) > 0) {
        }
    }).detach();
    const auto at = banner.find("HTTP address: ") + 14;
    const std::string address = banner.substr(at, banner.find('\n', at) - at);

    meshx::MeshConfig config;
    config.agent = *meshx::AgentEndpoint::parse(address);
    // The agent goes with this process, however main() returns.
    struct AgentStop {
        pid_t pid;
        ~AgentStop() {
            ::kill(pid, SIGTERM);
            ::waitpid(pid, nullptr, 0);
        }
    } agentStop{agent.pid};
    auto client = meshx::proxy::AgentHttpClient::create(config);
    if (!client) {
        return 1;
    }
    nlohmann::json web = {
        {"ID", "web"},
        {"Name", "web"},
        {"Port", 18080},
        {"Connect", {{"SidecarService", {{"Port", 0}, {"Proxy", {{"LocalServicePort", 18080}}}}}}}};
    if (auto r = (*client)->call(meshx::consul::endpoints::registerService(web, false)); !r) {
        std::fprintf(stderr, "register: %s\n", r.error().toString().c_str());
        return 1;
    }

    std::printf("agent %s, %d runs per binary, load %s\n", address.c_str(), runs,
                loadAverage().c_str());
    const std::vector<std::string> binaries{baseline, ours};
    std::vector<Figures> figures(2);
    for (int run = 0; run < runs; ++run) {
        for (size_t b = 0; b < binaries.size(); ++b) {
            Child version = spawn({binaries[b], "-version"});
            std::string ignored;
            waitFor(version, "\n", 10000, &ignored);
            int status = 0;
            rusage ru{};
            ::wait4(version.pid, &status, 0, &ru);
            ::close(version.out);
            figures[b].versionCpuMs.push_back(
                (static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
                 static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3));

            const auto started = Clock::now();
            Child sidecar = spawn({binaries[b], "-sidecar-for", "web", "-http-addr", address});
            std::string seen;
            const bool ready = waitFor(sidecar, "ready to serve", 30000, &seen);
            const double wallMs =
                std::chrono::duration<double, std::milli>(Clock::now() - started).count();
            const auto stopping = Clock::now();
            const double cpuMs = stopAndCpu(sidecar) * 1e3;
            const double stopMs =
                std::chrono::duration<double, std::milli>(Clock::now() - stopping).count();
            if (!ready) {
                ++figures[b].failures;
                std::fprintf(stderr, "%s: no ready line: %s\n", binaries[b].c_str(), seen.c_str());
                continue;
            }
            figures[b].readyWallMs.push_back(wallMs);
            figures[b].sidecarCpuMs.push_back(cpuMs);
            figures[b].stopWallMs.push_back(stopMs);
        }
    }

    const char* names[] = {"baseline", "this build"};
    std::printf("%-11s %5s %14s %18s %22s %16s %8s\n", "binary", "libs", "-version CPU",
                "exec->ready wall", "sidecar CPU (to exit)", "SIGTERM->exit", "failed");
    for (size_t b = 0; b < 2; ++b) {
        std::printf("%-11s %5d %11.1f ms %15.1f ms %19.1f ms %13.1f ms %8d\n", names[b],
                    libraries(binaries[b]), median(figures[b].versionCpuMs),
                    median(figures[b].readyWallMs), median(figures[b].sidecarCpuMs),
                    median(figures[b].stopWallMs), figures[b].failures);
    }
    auto ratio = [](double base, double mine) { return mine > 0 ? base / mine : 0.0; };
    std::printf(
        "baseline / this build (higher is better): -version CPU %.2fx, exec->ready %.2fx, "
        "sidecar CPU %.2fx; load %s\n",
        ratio(median(figures[0].versionCpuMs), median(figures[1].versionCpuMs)),
        ratio(median(figures[0].readyWallMs), median(figures[1].readyWallMs)),
        ratio(median(figures[0].sidecarCpuMs), median(figures[1].sidecarCpuMs)),
        loadAverage().c_str());
    return figures[0].failures + figures[1].failures == 0 ? 0 : 1;
}
