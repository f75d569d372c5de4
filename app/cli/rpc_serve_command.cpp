// `meshx rpc-serve --service NAME [--id ID] | --address ADDR [options]`: a MeshxRpc-compatible
// server with the demo functions echo, ping, do_work and hostname, as a mesh service (registered
// with a TTL check and the default sidecar proxy) or as a plain server on an address.

#include <unistd.h>

#include <QCoreApplication>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <memory>
#include <optional>
#include <random>
#include <thread>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/mesh_session.h"
#include "cli/rpc_cli_options.h"
#include "common/hostname.h"
#include "common/unix_signals.h"
#include "consul/service_read_check.h"
#include "engine/connect_readiness.h"
#include "mesh/bind_retry.h"
#include "mesh/service_mesh.h"
#include "rpc/rpc_server.h"
#include "telemetry/otlp/otlp_exporter.h"
#include "telemetry/tap/tap_server.h"

namespace meshx::cli {

namespace {

constexpr const char* kServeUsage =
    "Usage: meshx rpc-serve --service NAME [--id ID] [--agent ADDR | --embedded-agent] [options]\n"
    "       meshx rpc-serve --address ADDR [--id ID] [options]\n\n"
    "Runs a MeshxRpc-compatible server with the demo functions echo (returns its argument),\n"
    "ping (pong), do_work (sleeps a random time in [min-sleep, max-sleep] ms and returns this\n"
    "instance's id) and hostname. With --service it is a mesh service: registered with a TTL\n"
    "check and a sidecar proxy, the server on the endpoint the engine gives it. With --address\n"
    "it is a plain server (tcp://HOST:PORT, port 0 picks one, or unix:///PATH).\n\n"
    "Once serving it prints one line on stdout:\n"
    "  {\"ready\":true,\"service_id\":ID,\"address\":ADDR,...}\n"
    "(with --service, once the agent lists its sidecar as passing: \"connect_passing\":true)\n"
    "On SIGTERM or SIGINT it stops, deregisters, prints {\"stopped\":true,...} and exits 0.\n\n"
    "Options:\n";

std::vector<CliOption> serveSpec() {
    return specWith(
        {
            {"help", "", "this text"},
            {"service", "NAME", "mesh service name"},
            {"id", "ID", "service id / instance id (NAME-HOSTNAME; plain: rpc-HOSTNAME-PID)"},
            {"template", "NAME", "named service template from the config"},
            {"address", "ADDR", "plain server on ADDR, no mesh"},
            {"min-sleep", "MS", "do_work's shortest sleep (10)"},
            {"max-sleep", "MS", "do_work's longest sleep (100)"},
        },
        {&meshSpec, &rpcCommonSpec, &rpcServerSpec});
}

int usageError(const std::string& message) {
    return cliUsageError("rpc-serve", message);
}

// Registers the demo functions. `instanceId` is what do_work returns.
Status addDemoFunctions(rpc::RpcServer& server, const std::string& instanceId, uint64_t minSleepMs,
                        uint64_t maxSleepMs) {
    using rpc::Payload;
    using rpc::RpcResult;
    using json = nlohmann::json;
    if (Status s = server.add("echo",
                              [](Payload&& p) -> RpcResult<Payload> {
                                  // Bytes and flag back as they came (no re-serialization).
                                  return std::move(p);
                              });
        !s) {
        return s;
    }
    if (Status s =
            server.addJson("ping", [](const json&) -> RpcResult<json> { return json("pong"); });
        !s) {
        return s;
    }
    if (Status s =
            server.addJson("do_work",
                           [instanceId, minSleepMs, maxSleepMs](const json&) -> RpcResult<json> {
                               thread_local std::mt19937_64 rng{std::random_device{}()};
                               std::uniform_int_distribution<uint64_t> pick(minSleepMs, maxSleepMs);
                               std::this_thread::sleep_for(std::chrono::milliseconds(pick(rng)));
                               return json(instanceId);
                           });
        !s) {
        return s;
    }
    return server.addJson("hostname",
                          [](const json&) -> RpcResult<json> { return json(shortHostname()); });
}

}  // namespace

int rpcServeCommand(const std::vector<std::string>& args) {
    CliValues v;
    if (auto done = parseCommandLine("rpc-serve", kServeUsage, serveSpec(), args, v)) {
        return *done;
    }
    const bool plain = v.count("address") != 0;
    if (plain == (v.count("service") != 0)) {
        return usageError("give either --service NAME or --address ADDR");
    }
    if (plain && (v.count("agent") || v.count("embedded-agent") || v.count("template"))) {
        return usageError("--agent, --embedded-agent and --template need --service");
    }
    auto minSleep = cliNumber(v, "min-sleep", 10, 0, 3600000);
    auto maxSleep = cliNumber(v, "max-sleep", 100, 0, 3600000);
    if (!minSleep || !maxSleep) {
        return usageError(!minSleep ? minSleep.error().message : maxSleep.error().message);
    }
    if (*minSleep > *maxSleep) {
        return usageError("--min-sleep is larger than --max-sleep");
    }
    rpc::RpcServerOptions options;
    options.id = "meshx_rpc_serve";
    if (Status s = applyServer(v, options); !s) {
        return usageError(s.error().message);
    }
    std::optional<net::Address> plainAddress;
    if (plain) {
        auto a = net::Address::parse(v["address"]);
        if (!a) {
            return usageError("--address: " + a.error().message);
        }
        plainAddress = *a;
    }

    int argc = 1;
    char name[] = "meshx";
    char* argv[] = {name, nullptr};
    QCoreApplication app(argc, argv);
    UnixSignals signalWatch({SIGTERM, SIGINT, SIGHUP});
    TelemetryTap tap(v.count("telemetry") ? v["telemetry"] : std::string());
    // OpenTelemetry export when OTEL_EXPORTER_OTLP_* say so (docs/opentelemetry.md).
    telemetry::otlp::OtlpExporter::startFromEnvironment(plain ? "meshx-rpc-serve" : v["service"]);
    startProcessTap("rpc-serve");

    std::unique_ptr<engine::Session> session;
    std::string instanceId;
    std::string serviceName;
    std::optional<mesh::ServiceTemplate> tmpl;
    if (plain) {
        options.address = *plainAddress;
        instanceId =
            v.count("id") ? v["id"] : "rpc-" + shortHostname() + "-" + std::to_string(::getpid());
    } else {
        std::vector<std::string> meshArgs;
        if (v.count("agent")) {
            meshArgs = {"--agent", v["agent"]};
        }
        if (v.count("embedded-agent")) {
            meshArgs.push_back("--embedded-agent");
        }
        auto opened = openMeshSession(meshArgs);
        if (!opened) {
            std::fprintf(stderr, "meshx rpc-serve: %s\n", opened.error().toString().c_str());
            return opened.error().code == Code::InvalidArgument ? 2 : 1;
        }
        session = std::move(*opened);
        tmpl = session->defaultTemplate();
        if (v.count("template")) {
            auto named = session->namedTemplate(v["template"]);
            if (!named) {
                return usageError(named.error().toString());
            }
            tmpl = *named;
        }
        serviceName = v["service"];
    }

    // The mesh claims the service's port for us (no other engine on this host hands it out),
    // yet a program that knows nothing of claims may have taken it before we bind: then the
    // service moves to the next port, a bounded number of times, instead of the server dying.
    std::unique_ptr<rpc::RpcServer> server;
    for (int attempt = 1;; ++attempt) {
        if (session) {
            auto& mesh = session->mesh();
            auto params = v.count("id") ? mesh::ServiceParams::namedWithId(serviceName, v["id"])
                                        : mesh::ServiceParams::named(serviceName);
            auto started = mesh.start(params, *tmpl, false,
                                      std::chrono::milliseconds(session->config().startTimeoutMs));
            if (!started) {
                std::fprintf(stderr, "meshx rpc-serve: %s\n", started.error().toString().c_str());
                return 1;
            }
            instanceId = started->serviceId;
            options.address = started->address;
            if (!v.count("svc-ref")) {
                options.svcRef = instanceId;
            }
        }
        server = std::make_unique<rpc::RpcServer>(options);
        if (Status s = addDemoFunctions(*server, instanceId, *minSleep, *maxSleep); !s) {
            std::fprintf(stderr, "meshx rpc-serve: %s\n", s.error().toString().c_str());
            return 1;
        }
        Status s = server->start();
        if (s) {
            break;
        }
        if (session && mesh::isAddressInUse(s.error()) && attempt < mesh::kBindAttempts) {
            std::fprintf(stderr, "meshx rpc-serve: %s; trying the next port\n",
                         s.error().toString().c_str());
            server.reset();
            (void)session->mesh().stop(instanceId);
            continue;
        }
        std::fprintf(stderr, "meshx rpc-serve: %s\n", s.error().toString().c_str());
        if (session) {
            session->mesh().stopAll();
        }
        return s.error().code == Code::InvalidArgument ? 2 : 1;
    }
    telemetry::TapServer::setProcessServiceId(instanceId);
    if (session) {
        // With MESHX_TAP_TOKEN_REQUIRED, subscribers need service:read on this service.
        telemetry::TapServer::setProcessTokenCheck(
            consul::serviceReadCheck(session->config(), instanceId));
    }
    nlohmann::json ready = {{"ready", true},
                            {"service_id", instanceId},
                            {"address", server->address().toString()},
                            {"functions", {"echo", "ping", "do_work", "hostname"}},
                            {"pid", ::getpid()}};
    if (!serviceName.empty()) {
        ready["service"] = serviceName;
        ready["connect_passing"] = engine::waitConnectPassing(
            session->api(), serviceName, instanceId,
            std::chrono::milliseconds(std::max(30000, session->config().startTimeoutMs)),
            [] { return UnixSignals::pending() != 0; });
    }
    std::printf("%s\n", ready.dump().c_str());
    std::fflush(stdout);

    QObject::connect(&signalWatch, &UnixSignals::caught, &app,
                     [](int) { QCoreApplication::quit(); });
    if (UnixSignals::pending() == 0) {
        QCoreApplication::exec();
    }
    server->stop();
    if (session) {
        session->mesh().stopAll();
    }
    tap.stop();
    std::printf("%s\n",
                nlohmann::json{{"stopped", true}, {"service_id", instanceId}}.dump().c_str());
    std::fflush(stdout);
    return 0;
}

}  // namespace meshx::cli
