// What OpenTelemetry export costs RPC calls: calls/s over loopback (an RpcServer and an
// RpcClientPool in this process, echo of 64 bytes, 4 callers) with export off, then with the
// OTLP exporter on and sampler traceidratio 1.0, then 0.1, posting to an OtlpReceiver in this
// process (which publishes to a bus of its own that nobody reads). One run; the ratios are
// against "off" measured in the same run. Run by hand:
// build/dev/tests/bench/telemetry/bench_otlp_export
#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "rpc/rpc_client_pool.h"
#include "rpc/rpc_server.h"
#include "telemetry/in_process_bus.h"
#include "telemetry/otlp/otlp_exporter.h"
#include "telemetry/otlp/otlp_receiver.h"
#include "telemetry/telemetry_bus.h"

using namespace meshx;
using namespace meshx::rpc;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kCallers = 4;
constexpr auto kSeconds = std::chrono::seconds(3);

double callsPerSecond(RpcClientPool& pool) {
    std::atomic<bool> stop{false};
    std::atomic<uint64_t> calls{0}, failed{0};
    std::vector<std::thread> threads;
    const auto start = Clock::now();
    for (int t = 0; t < kCallers; ++t) {
        threads.emplace_back([&] {
            Payload arg;
            arg.bytes.assign(64, 0x5a);
            while (!stop.load(std::memory_order_relaxed)) {
                auto r = pool.call("echo", arg);
                (r.ok() ? calls : failed).fetch_add(1, std::memory_order_relaxed);
            }
        });
    }
    std::this_thread::sleep_for(kSeconds);  // the measuring window, not synchronisation
    stop = true;
    for (auto& t : threads)
        t.join();
    const double s = std::chrono::duration<double>(Clock::now() - start).count();
    if (failed > 0)
        std::printf("  (%llu calls failed)\n", static_cast<unsigned long long>(failed.load()));
    return static_cast<double>(calls.load()) / s;
}

}  // namespace

int main() {
    telemetry::InProcessBus sinkBus;  // the receiver's: nobody subscribes, publish is cheap
    telemetry::otlp::OtlpReceiver::Options ro;
    ro.bus = &sinkBus;
    telemetry::otlp::OtlpReceiver receiver(ro);
    if (!receiver.start().ok()) {
        std::fprintf(stderr, "cannot start the receiver\n");
        return 1;
    }

    RpcServerOptions so;
    so.address = net::Address::tcp("127.0.0.1", 0);
    so.id = "bench.server";
    RpcServer server(so);
    (void)server.add("echo", [](Payload&& p) -> RpcResult<Payload> { return std::move(p); });
    if (!server.start().ok()) {
        std::fprintf(stderr, "cannot start the server\n");
        return 1;
    }
    RpcClientOptions co;
    co.address = server.address();
    co.id = "bench.client";
    co.size = kCallers;
    co.maxOverflow = 0;
    RpcClientPool pool(co);
    if (!pool.start().ok()) {
        std::fprintf(stderr, "cannot start the pool\n");
        return 1;
    }
    (void)callsPerSecond(pool);  // warm-up: connections, caches

    std::printf("RPC echo 64 B, %d callers, %lld s per case, exporting to %s\n", kCallers,
                static_cast<long long>(kSeconds.count()), receiver.tracesUrl().c_str());
    const double off = callsPerSecond(pool);
    std::printf("export off            %9.0f calls/s\n", off);
    std::vector<std::pair<std::string, double>> results;
    {
        // What the RPC's telemetry events cost alone: a bus subscriber that drains the typed
        // events and discards them (what any tap subscriber or the console adds), no spans.
        auto sub = telemetry::TelemetryBus::global().subscribe(65536);
        std::atomic<bool> stop{false};
        std::thread drainer([&] {
            std::vector<telemetry::Event> events;
            while (!stop) {
                events.clear();
                if (sub->drainTyped(events, 1024) == 0)
                    std::this_thread::sleep_for(std::chrono::milliseconds(10));
            }
        });
        const double events = callsPerSecond(pool);
        results.emplace_back("events only", events);
        stop = true;
        drainer.join();
        std::printf(
            "events only           %9.0f calls/s  ratio to off %.3f  (bus subscriber, "
            "no export)\n",
            events, events / off);
    }
    for (double ratio : {1.0, 0.1}) {
        auto config = telemetry::otlp::OtlpConfig::fromEnvironment(
            [&](const char* name) -> std::string {
                const std::string n = name;
                if (n == "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
                    return receiver.tracesUrl();
                if (n == "OTEL_TRACES_SAMPLER")
                    return "traceidratio";
                if (n == "OTEL_TRACES_SAMPLER_ARG")
                    return std::to_string(ratio);
                if (n == "OTEL_BSP_SCHEDULE_DELAY")
                    return "200";
                return {};
            },
            "bench");
        telemetry::otlp::OtlpExporter::Options eo;
        eo.config = *config;
        telemetry::otlp::OtlpExporter exporter(eo);
        exporter.start();
        const double on = callsPerSecond(pool);
        results.emplace_back("export on, ratio " + std::to_string(ratio).substr(0, 3), on);
        const auto flushStart = Clock::now();
        const bool flushed = exporter.flush(std::chrono::seconds(30));
        exporter.stop();  // a last export; what is left then is counted as dropped
        const auto st = exporter.stats();
        std::printf("  flush %s in %.2f s, %llu posts, %llu failed\n",
                    flushed ? "done" : "timed out",
                    std::chrono::duration<double>(Clock::now() - flushStart).count(),
                    static_cast<unsigned long long>(st.posts),
                    static_cast<unsigned long long>(st.failedPosts));
        std::printf(
            "export on, ratio %.1f  %9.0f calls/s  ratio to off %.3f  "
            "(spans exported %llu, sampled out %llu, dropped %llu)\n",
            ratio, on, on / off, static_cast<unsigned long long>(st.exported),
            static_cast<unsigned long long>(st.sampledOut),
            static_cast<unsigned long long>(st.dropped));
    }
    // The machine is shared: "off" again at the end, and the ratios against the mean of both
    // off runs, so a load change during the run shows instead of hiding in one ratio.
    const double offAgain = callsPerSecond(pool);
    const double baseline = (off + offAgain) / 2;
    std::printf("export off, again      %9.0f calls/s\n", offAgain);
    std::printf("ratios to the mean of both off runs (%.0f calls/s):\n", baseline);
    for (const auto& [name, value] : results)
        std::printf("  %-22s %.3f\n", name.c_str(), value / baseline);
    pool.stop();
    server.stop();
    receiver.stop();
    return 0;
}
