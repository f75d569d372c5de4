// `meshx node --name NAME@HOST [--cookie C] [--json] [--agent ADDR] [--embedded-agent]`: a
// hidden Erlang node started through the mesh, one command a line.

#include <unistd.h>

#include <QCoreApplication>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include "cli/commands.h"
#include "cli/mesh_session.h"
#include "cli/repl_loop.h"
#include "common/unix_signals.h"
#include "consul/service_read_check.h"
#include "mesh/service_mesh.h"
#include "telemetry/tap/tap_server.h"
#ifdef MESHX_HAVE_EI_NODE
#include "node/node.h"
#include "node/node_interpreter.h"
#include "node/node_name.h"
#include "telemetry/otlp/otlp_exporter.h"
#endif

namespace meshx::cli {

namespace {

constexpr const char* kNodeUsage =
    "Usage: meshx node --name NAME@HOST [--cookie C] [--json] [--agent ADDR] [--embedded-agent]\n"
    "\n"
    "Starts a hidden Erlang node: registers the node service NAME@HOST with a sidecar proxy and\n"
    "listens on its endpoint, then reads one command a line from stdin. Peers are reached\n"
    "through upstreams on that sidecar (no EPMD). The cookie may come from the environment\n"
    "variable MESHX_NODE_COOKIE instead of --cookie (so it is not shown by ps); it is never\n"
    "printed. On quit, EOF or SIGTERM the node service is stopped.\n\nCommands:\n";

int usageError(const std::string& message) {
    std::fprintf(stderr, "meshx node: %s\n", message.c_str());
    return 2;
}

}  // namespace

int nodeCommand(const std::vector<std::string>& argsIn) {
    std::vector<std::string> args;
    std::string name;
    std::string cookie;
    bool json = false;
    for (size_t i = 0; i < argsIn.size(); ++i) {
        const auto& a = argsIn[i];
        if (a == "--help") {
            std::fputs(kNodeUsage, stdout);
#ifdef MESHX_HAVE_EI_NODE
            std::puts(node::NodeInterpreter::kHelp);
#endif
            return 0;
        }
        if (a == "--json") {
            json = true;
        } else if ((a == "--name" || a == "--cookie") && i + 1 < argsIn.size()) {
            (a == "--name" ? name : cookie) = argsIn[++i];
        } else {
            args.push_back(a);
        }
    }
#ifndef MESHX_HAVE_EI_NODE
    (void)json;
    return usageError("built without erl_interface (Debian erlang-dev): no Erlang node");
#else
    if (name.empty()) {
        return usageError("--name NAME@HOST is required");
    }
    if (auto parsed = node::NodeName::parse(name); !parsed) {
        return usageError(parsed.error().toString());
    }
    if (cookie.empty()) {
        if (const char* env = std::getenv("MESHX_NODE_COOKIE")) {
            cookie = env;
        }
    }
    if (cookie.empty()) {
        return usageError("a cookie is required: --cookie C or MESHX_NODE_COOKIE");
    }

    int argc = 1;
    char program[] = "meshx";
    char* argv[] = {program, nullptr};
    QCoreApplication app(argc, argv);
    UnixSignals signalWatch({SIGTERM, SIGINT, SIGHUP});

    auto session = openMeshSession(args);
    if (!session) {
        std::fprintf(stderr, "meshx node: %s\n", session.error().toString().c_str());
        return session.error().code == Code::InvalidArgument ? 2 : 1;
    }
    if (!args.empty()) {
        return usageError("unexpected argument '" + args.front() + "'");
    }
    auto& mesh = (*session)->mesh();
    node::NodeMeshSettings settings;
    settings.serviceTemplate = (*session)->defaultTemplate();
    settings.startTimeout = std::chrono::milliseconds((*session)->config().startTimeoutMs);
    settings.catalog = &(*session)->api();
    node::Node erlNode(mesh, settings);
    auto started = erlNode.start(name, cookie);
    cookie.assign(cookie.size(), '\0');
    if (!started) {
        std::fprintf(stderr, "meshx node: %s\n", started.error().toString().c_str());
        return started.error().code == Code::InvalidArgument ? 2 : 1;
    }
    std::fprintf(stderr, "==> meshx node: %s listening at %s (node service %s)\n", name.c_str(),
                 erlNode.listenAddress()->toString().c_str(), erlNode.serviceId()->c_str());
    // The live telemetry tap (docs/taps.md); a tap that cannot start never stops the node.
    if (auto tap = telemetry::TapServer::startFromEnvironment("meshx node"); !tap) {
        std::fprintf(stderr, "meshx node: no telemetry tap: %s\n", tap.error().toString().c_str());
    } else if (*tap) {
        telemetry::TapServer::setProcessServiceId(*erlNode.serviceId());
        telemetry::TapServer::setProcessTokenCheck(
            consul::serviceReadCheck((*session)->config(), *erlNode.serviceId()));
        std::fprintf(stderr, "==> meshx node: telemetry tap at %s\n", (*tap)->toString().c_str());
    }

    // OpenTelemetry export when OTEL_EXPORTER_OTLP_* say so (docs/opentelemetry.md).
    telemetry::otlp::OtlpExporter::startFromEnvironment("meshx-node");

    node::NodeInterpreter interpreter(erlNode, &mesh);
    runRepl("node> ", json,
            [&interpreter](const std::string& line) { return interpreter.execute(line); });
    erlNode.stop();
    mesh.stopAll();
    std::fprintf(stderr, "==> meshx node: %s stopped\n", name.c_str());
    return 0;
#endif
}

}  // namespace meshx::cli
