// `meshx rpc-bench --address ADDR [--size BYTES] [--seconds S] [--concurrency C] [options]`:
// calls echo on a MeshxRpc-compatible server (e.g. `meshx rpc-serve --address ...`) for a while
// and prints p50/p99 latency, calls/s and MiB/s as one JSON line.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/rpc_cli_options.h"
#include "rpc/rpc_client_pool.h"

namespace meshx::cli {

namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kBenchUsage =
    "Usage: meshx rpc-bench --address ADDR [--fn echo] [--size BYTES] [--seconds S]\n"
    "                       [--concurrency C] [options]\n\n"
    "Calls FN (default echo) with a raw argument of BYTES bytes from C threads for S seconds\n"
    "(after a short warm-up) and prints one JSON line:\n"
    "  {\"calls\":N,\"failed\":F,\"calls_per_s\":..,\"p50_us\":..,\"p99_us\":..,\"mib_per_s\":..}\n"
    "MiB/s (2^20 bytes per second) counts the argument and the reply. Exit code 1 when a call "
    "failed.\n\n"
    "Options:\n";

std::vector<CliOption> benchSpec() {
    return specWith(
        {
            {"help", "", "this text"},
            {"address", "ADDR", "server address (required)"},
            {"fn", "F", "function to call (echo)"},
            {"size", "BYTES", "argument size (64)"},
            {"seconds", "S", "measuring time, 1..600 (3)"},
            {"concurrency", "C", "calling threads (1); the pool gets C workers by default"},
        },
        {&rpcCommonSpec, &rpcClientSpec});
}

int usageError(const std::string& message) {
    return cliUsageError("rpc-bench", message);
}

}  // namespace

int rpcBenchCommand(const std::vector<std::string>& args) {
    CliValues v;
    if (auto done = parseCommandLine("rpc-bench", kBenchUsage, benchSpec(), args, v)) {
        return *done;
    }
    if (!v.count("address")) {
        return usageError("--address ADDR is required");
    }
    auto address = net::Address::parse(v["address"]);
    if (!address) {
        return usageError("--address: " + address.error().message);
    }
    auto size = cliNumber(v, "size", 64, 0, 256ull << 20);
    auto seconds = cliNumber(v, "seconds", 3, 1, 600);
    auto concurrency = cliNumber(v, "concurrency", 1, 1, 1000);
    for (const auto* r : {&size, &seconds, &concurrency}) {
        if (!*r) {
            return usageError(r->error().message);
        }
    }
    const std::string fn = v.count("fn") ? v["fn"] : "echo";
    rpc::RpcClientOptions options;
    options.id = "meshx_rpc_bench";
    options.address = *address;
    options.size = *concurrency;
    options.maxOverflow = 0;
    if (Status s = applyClient(v, options); !s) {
        return usageError(s.error().message);
    }
    TelemetryTap tap(v.count("telemetry") ? v["telemetry"] : std::string());
    startProcessTap("rpc-bench");
    rpc::RpcClientPool pool(options);
    if (Status s = pool.start(); !s) {
        return usageError(s.error().toString());
    }
    rpc::Payload arg;
    arg.bytes.assign(*size, 0x5a);
    // Warm-up: every worker connected and handshaken before the clock starts.
    for (uint64_t i = 0; i < *concurrency; ++i) {
        if (auto r = pool.call(fn, arg); !r) {
            std::fprintf(stderr, "meshx rpc-bench: warm-up call failed: %s\n",
                         r.error().toString().c_str());
            return 1;
        }
    }
    std::atomic<bool> stop{false};
    std::atomic<uint64_t> calls{0}, failed{0};
    std::mutex mutex;
    std::vector<double> latencies;
    std::string firstError;
    std::vector<std::thread> threads;
    const auto start = Clock::now();
    for (uint64_t t = 0; t < *concurrency; ++t) {
        threads.emplace_back([&] {
            std::vector<double> mine;
            mine.reserve(100000);
            while (!stop.load(std::memory_order_relaxed)) {
                const auto t0 = Clock::now();
                auto r = pool.call(fn, arg);
                mine.push_back(
                    std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
                calls += 1;
                if (!r) {
                    failed += 1;
                    std::lock_guard lock(mutex);
                    if (firstError.empty()) {
                        firstError = r.error().toString();
                    }
                }
            }
            std::lock_guard lock(mutex);
            latencies.insert(latencies.end(), mine.begin(), mine.end());
        });
    }
    // The measuring window itself (not synchronisation): sleep, then tell the threads to stop.
    std::this_thread::sleep_for(std::chrono::seconds(*seconds));
    stop = true;
    for (auto& t : threads) {
        t.join();
    }
    const double secs = std::chrono::duration<double>(Clock::now() - start).count();
    pool.stop();
    tap.stop();
    std::sort(latencies.begin(), latencies.end());
    auto pct = [&](size_t p) {
        return latencies.empty()
                   ? 0.0
                   : latencies[std::min(latencies.size() - 1, latencies.size() * p / 100)];
    };
    auto round1 = [](double x) { return std::round(x * 10) / 10; };
    const double perSec = double(calls.load()) / secs;
    nlohmann::json out = {{"fn", fn},
                          {"size", *size},
                          {"concurrency", *concurrency},
                          {"seconds", round1(secs)},
                          {"calls", calls.load()},
                          {"failed", failed.load()},
                          {"calls_per_s", round1(perSec)},
                          {"p50_us", round1(pct(50))},
                          {"p99_us", round1(pct(99))},
                          {"mib_per_s", round1(perSec * double(*size) * 2 / (1024.0 * 1024.0))}};
    if (!firstError.empty()) {
        out["first_error"] = firstError;
    }
    std::printf("%s\n", out.dump().c_str());
    std::fflush(stdout);
    return failed.load() == 0 ? 0 : 1;
}

}  // namespace meshx::cli
