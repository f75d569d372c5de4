// `meshx shell [--json] [--agent ADDR] [--embedded-agent]`: the mesh engine, one verb a line.

#include <unistd.h>

#include <QCoreApplication>

#include <csignal>
#include <cstdio>
#include <iostream>
#include <string>

#include "cli/commands.h"
#include "cli/mesh_session.h"
#include "cli/repl_loop.h"
#include "common/unix_signals.h"
#include "mesh/service_mesh.h"
#include "mesh/shell_interpreter.h"

namespace meshx::cli {

int shellCommand(const std::vector<std::string>& argsIn) {
    std::vector<std::string> args = argsIn;
    bool json = false;
    for (auto it = args.begin(); it != args.end();) {
        if (*it == "--json") {
            json = true;
            it = args.erase(it);
        } else if (*it == "--help") {
            std::puts(
                "Usage: meshx shell [--json] [--agent ADDR] [--embedded-agent]\n\n"
                "Reads one command a line from stdin; on quit, EOF or SIGTERM every service\n"
                "the shell started is stopped.\n\nCommands:");
            std::puts(mesh::ShellInterpreter::kHelp);
            return 0;
        } else {
            ++it;
        }
    }
    int argc = 1;
    char name[] = "meshx";
    char* argv[] = {name, nullptr};
    QCoreApplication app(argc, argv);
    UnixSignals signalWatch({SIGTERM, SIGINT, SIGHUP});

    auto session = openMeshSession(args);
    if (!session) {
        std::fprintf(stderr, "meshx shell: %s\n", session.error().toString().c_str());
        return session.error().code == Code::InvalidArgument ? 2 : 1;
    }
    if (!args.empty()) {
        std::fprintf(stderr, "meshx shell: unexpected argument '%s'\n", args.front().c_str());
        return 2;
    }
    mesh::ShellInterpreter shell((*session)->mesh(), (*session)->api(), (*session)->config());
    runRepl("meshx> ", json, [&shell](const std::string& line) { return shell.execute(line); });
    (*session)->mesh().stopAll();
    return 0;
}

}  // namespace meshx::cli
