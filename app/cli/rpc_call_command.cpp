// `meshx rpc-call --upstream NAME | --address ADDR --fn F [--arg JSON] [--count N]
// [--concurrency C] [--cast] [options]`: calls a MeshxRpc-compatible server through a client pool
// and prints one JSON line per result plus a summary line.

#include <QCoreApplication>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/mesh_session.h"
#include "cli/rpc_cli_options.h"
#include "consul/service_read_check.h"
#include "mesh/service_mesh.h"
#include "mesh/service_template.h"
#include "rpc/rpc_client_pool.h"
#include "rpc/serialize/serializer_registry.h"
#include "rpc/transport/socket_ops.h"
#include "telemetry/otlp/otlp_exporter.h"
#include "telemetry/tap/tap_server.h"

namespace meshx::cli {

namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr const char* kCallUsage =
    "Usage: meshx rpc-call (--upstream NAME | --address ADDR) --fn F [--arg JSON] [--count N]\n"
    "                      [--concurrency C] [--cast] [options]\n\n"
    "Calls F on a MeshxRpc-compatible server N times from C threads sharing one client pool.\n"
    "--upstream connects the mesh upstream NAME through the engine (a local port of the\n"
    "upstream proxy service) and disconnects it at the end; --address dials ADDR directly.\n\n"
    "Prints one JSON line per call, in completion order:\n"
    "  {\"i\":0,\"ok\":true,\"result\":...,\"served_by\":ID,\"ms\":1.2}   (served_by: do_work's "
    "reply)\n"
    "  {\"i\":1,\"ok\":false,\"error\":\"closed: ...\",\"ms\":...}\n"
    "then {\"summary\":true,\"calls\":N,\"ok\":K,\"failed\":F,\"served_by\":{ID:count},...}.\n"
    "Exit code 0 when every call succeeded, 1 when one failed, 2 on bad options.\n\n"
    "Options:\n";

std::vector<CliOption> callSpec() {
    return specWith(
        {
            {"help", "", "this text"},
            {"upstream", "NAME", "mesh upstream service to call"},
            {"proxy", "NAME", "upstream proxy service name and id (upstream-HOSTNAME)"},
            {"address", "ADDR", "server address, no mesh"},
            {"fn", "F", "function name (required)"},
            {"arg", "JSON", "argument as JSON, serialized with --serializer (null)"},
            {"count", "N", "number of calls (1)"},
            {"concurrency", "C", "calling threads (1); the pool gets max(C, 5) workers by default"},
            {"cast", "", "cast instead of call (the reply is the server's ack)"},
            {"wait-upstream", "MS", "how long to wait for the upstream port to listen (30000)"},
        },
        {&meshSpec, &rpcCommonSpec, &rpcClientSpec});
}

int usageError(const std::string& message) {
    return cliUsageError("rpc-call", message);
}

// Raw results print as text (the demo echo of a raw argument), everything else as its JSON.
json printable(const json& value) {
    if (value.is_binary()) {
        const auto& b = value.get_binary();
        return std::string(b.begin(), b.end());
    }
    return value;
}

// The proxy's upstream listener opens once the sidecar has read its new config; calls before
// that would only burn retries. Polls with a deadline.
bool waitListening(const net::Address& address, std::chrono::milliseconds limit) {
    const auto deadline = Clock::now() + limit;
    while (Clock::now() < deadline) {
        auto fd = rpc::transport::connectTo(address, std::chrono::milliseconds(1000));
        if (fd) {
            ::close(*fd);
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
}

}  // namespace

int rpcCallCommand(const std::vector<std::string>& args) {
    CliValues v;
    if (auto done = parseCommandLine("rpc-call", kCallUsage, callSpec(), args, v)) {
        return *done;
    }
    const bool viaMesh = v.count("upstream") != 0;
    if (viaMesh == (v.count("address") != 0)) {
        return usageError("give either --upstream NAME or --address ADDR");
    }
    if (!viaMesh && (v.count("agent") || v.count("embedded-agent") || v.count("proxy"))) {
        return usageError("--agent, --embedded-agent and --proxy need --upstream");
    }
    if (!v.count("fn") || v["fn"].empty()) {
        return usageError("--fn F is required");
    }
    const std::string fn = v["fn"];
    json arg = nullptr;
    if (v.count("arg")) {
        arg = json::parse(v["arg"], nullptr, false);
        if (arg.is_discarded()) {
            return usageError("--arg is not valid JSON");
        }
    }
    auto count = cliNumber(v, "count", 1, 1, 100000000);
    auto concurrency = cliNumber(v, "concurrency", 1, 1, 1000);
    auto waitMs = cliNumber(v, "wait-upstream", 30000, 0, 3600000);
    for (const auto* r : {&count, &concurrency, &waitMs}) {
        if (!*r) {
            return usageError(r->error().message);
        }
    }
    rpc::RpcClientOptions options;
    options.id = "meshx_rpc_call";
    options.size = std::max<size_t>(5, *concurrency);
    if (Status s = applyClient(v, options); !s) {
        return usageError(s.error().message);
    }
    const bool cast = v.count("cast") != 0;
    rpc::Payload castArg;
    if (cast) {
        auto flag =
            rpc::SerializerRegistry::global().serialize(options.serializer, arg, castArg.bytes);
        if (!flag) {
            return usageError("--arg: " + flag.error().message);
        }
        castArg.serFlag = *flag;
    }
    if (!viaMesh) {
        auto a = net::Address::parse(v["address"]);
        if (!a) {
            return usageError("--address: " + a.error().message);
        }
        options.address = *a;
    }

    int argc = 1;
    char name[] = "meshx";
    char* argv[] = {name, nullptr};
    QCoreApplication app(argc, argv);
    TelemetryTap tap(v.count("telemetry") ? v["telemetry"] : std::string());
    // OpenTelemetry export when OTEL_EXPORTER_OTLP_* say so (docs/opentelemetry.md).
    telemetry::otlp::OtlpExporter::startFromEnvironment("meshx-rpc-call");
    startProcessTap("rpc-call");

    std::unique_ptr<engine::Session> session;
    mesh::ProxyService proxy = mesh::ProxyService::defaults();
    if (viaMesh) {
        std::vector<std::string> meshArgs;
        if (v.count("agent")) {
            meshArgs = {"--agent", v["agent"]};
        }
        if (v.count("embedded-agent")) {
            meshArgs.push_back("--embedded-agent");
        }
        auto opened = openMeshSession(meshArgs);
        if (!opened) {
            std::fprintf(stderr, "meshx rpc-call: %s\n", opened.error().toString().c_str());
            return opened.error().code == Code::InvalidArgument ? 2 : 1;
        }
        session = std::move(*opened);
        if (v.count("proxy")) {
            proxy.name = proxy.id = v["proxy"];
        }
        telemetry::TapServer::setProcessServiceId(proxy.id);
        // With MESHX_TAP_TOKEN_REQUIRED, subscribers need service:read on the client's service.
        telemetry::TapServer::setProcessTokenCheck(
            consul::serviceReadCheck(session->config(), proxy.id));
        auto connected =
            session->mesh().connect({json(v["upstream"])}, mesh::defaultUpstreamTemplate(), proxy);
        if (!connected || connected->empty() || !connected->front()) {
            const Error e = !connected           ? connected.error()
                            : connected->empty() ? makeError(Code::Internal, "")
                                                 : connected->front().error();
            std::fprintf(stderr, "meshx rpc-call: connect %s: %s\n", v["upstream"].c_str(),
                         e.toString().c_str());
            session->mesh().stopAll();
            return 1;
        }
        options.address = *connected->front();
        std::fprintf(stderr, "==> meshx rpc-call: upstream %s at %s\n", v["upstream"].c_str(),
                     options.address.toString().c_str());
        if (!waitListening(options.address, std::chrono::milliseconds(*waitMs))) {
            std::fprintf(stderr, "meshx rpc-call: upstream port %s is not listening\n",
                         options.address.toString().c_str());
            session->mesh().stopAll();
            return 1;
        }
    }

    rpc::RpcClientPool pool(options);
    if (Status s = pool.start(); !s) {
        std::fprintf(stderr, "meshx rpc-call: %s\n", s.error().toString().c_str());
        return 2;
    }

    std::mutex outMutex;
    std::map<std::string, uint64_t> servedBy;
    std::vector<double> latencies;
    std::atomic<uint64_t> next{0}, ok{0}, failed{0};
    const auto start = Clock::now();
    auto worker = [&] {
        for (;;) {
            const uint64_t i = next.fetch_add(1);
            if (i >= *count) {
                return;
            }
            const auto t0 = Clock::now();
            json line = {{"i", i}};
            if (cast) {
                auto r = pool.cast(fn, castArg);
                line["ok"] = r.ok();
                if (r) {
                    line["cast"] = "acked";
                } else {
                    line["error"] = r.error().toString();
                }
            } else {
                auto r = pool.callJson(fn, arg);
                line["ok"] = r.ok();
                if (r) {
                    line["result"] = printable(*r);
                    if (fn == "do_work" && r->is_string()) {
                        line["served_by"] = *r;
                    }
                } else {
                    line["error"] = r.error().toString();
                }
            }
            const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
            line["ms"] = std::round(ms * 1000) / 1000;
            (line["ok"].get<bool>() ? ok : failed) += 1;
            std::lock_guard lock(outMutex);
            latencies.push_back(ms);
            if (line.contains("served_by")) {
                servedBy[line["served_by"].get<std::string>()] += 1;
            }
            std::printf("%s\n", line.dump(-1, ' ', false, json::error_handler_t::replace).c_str());
            std::fflush(stdout);
        }
    };
    std::vector<std::thread> threads;
    for (uint64_t t = 0; t < *concurrency; ++t) {
        threads.emplace_back(worker);
    }
    for (auto& t : threads) {
        t.join();
    }
    const double elapsedMs =
        std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    const rpc::RpcClientPool::Stats poolStats = pool.stats();
    pool.stop();
    if (session) {
        (void)session->mesh().disconnect({v["upstream"]}, proxy.id, false);
        session->mesh().stopAll();
    }
    tap.stop();

    std::sort(latencies.begin(), latencies.end());
    auto pct = [&](size_t p) {
        return latencies.empty()
                   ? 0.0
                   : latencies[std::min(latencies.size() - 1, latencies.size() * p / 100)];
    };
    json summary = {
        {"summary", true},
        {"fn", fn},
        {"calls", *count},
        {"ok", ok.load()},
        {"failed", failed.load()},
        {"served_by", servedBy},
        {"elapsed_ms", std::round(elapsedMs * 1000) / 1000},
        {"p50_ms", std::round(pct(50) * 1000) / 1000},
        {"p99_ms", std::round(pct(99) * 1000) / 1000},
        {"max_ms", latencies.empty() ? 0.0 : std::round(latencies.back() * 1000) / 1000},
        // Requests resent after their connection closed before a reply (failover),
        // and of those the ones the server may have run (at least once).
        {"resends", poolStats.resends},
        {"resends_maybe_executed", poolStats.resendsMaybeExecuted}};
    if (servedBy.empty()) {
        summary["served_by"] = json::object();
    }
    std::printf("%s\n", summary.dump().c_str());
    std::fflush(stdout);
    return failed.load() == 0 ? 0 : 1;
}

}  // namespace meshx::cli
