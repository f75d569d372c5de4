// What a live tap costs the data path (issue 17: "costs nothing when nobody watches"), measured
// in one run, side by side:
//
//   RPC     an RpcServer and an RpcClientPool in this process over 127.0.0.1, 4 caller threads
//           doing callJson("echo") for --seconds: calls/s with no tap at all (tap off), with a
//           tap serving the process bus but nobody subscribed, and with one subscriber reading
//           every event over loopback (the RPC layer then builds and publishes every event).
//   sidecar two meshx-proxy processes (static config, mTLS between them) in front of an echo
//           server: 64-byte ping-pong calls/s on one connection, 16 connections, and 1 MiB echo
//           MB/s, with the proxies' taps off (MESHX_TAP_LISTEN=off), on without subscriber, and
//           with one subscriber on each proxy's tap (reading every flow event).
//
// Modes are interleaved round by round and each keeps its best round (other load on the
// machine only makes a round worse). Ratios are against "tap off" of the same run; targets:
// no subscriber within 1 %, one subscriber within 5 %. Run by hand (not in CTest), preferably
// from a Release build on a quiet machine.
//
// Usage: bench_tap_cost [--seconds S] [--rounds R] [--only rpc|sidecar]

#include <poll.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "proxy/child_process.h"
#include "proxy/echo_server.h"
#include "proxy/load_clients.h"
#include "proxy/static_mesh.h"
#include "rpc/rpc_client_pool.h"
#include "rpc/rpc_server.h"
#include "telemetry/tap/tap_client.h"
#include "telemetry/tap/tap_server.h"

using namespace meshx;
using namespace std::chrono_literals;

namespace {

struct Options {
    int seconds = 2;
    int rounds = 3;
    std::string only;
    std::string meshx = std::string(MESHX_BIN_DIR) + "/meshx-proxy";
};

int64_t threadCpuNs() {
    timespec ts{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// CPU time of the whole process (every thread: callers, server, pool, tap), user + system.
int64_t processCpuNs() {
    timespec ts{};
    ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// Reads one tap's stream on a thread of its own until stopped; counts event lines.
class Subscriber {
  public:
    explicit Subscriber(const net::Address& tap) {
        auto client = telemetry::TapClient::connect(tap, {}, 5s);
        if (!client) {
            std::fprintf(stderr, "subscribe %s: %s\n", tap.toString().c_str(),
                         client.error().message.c_str());
            return;
        }
        client_ = std::make_unique<telemetry::TapClient>(std::move(*client));
        thread_ = std::thread([this] {
            const int64_t cpu0 = threadCpuNs();
            std::vector<std::string> lines;
            struct Account {  // this reader's CPU time, however the loop ends
                Subscriber* self;
                int64_t cpu0;
                ~Account() { self->cpuNs_.store(threadCpuNs() - cpu0); }
            } account{this, cpu0};
            while (!stop_.load()) {
                pollfd p{client_->fd(), POLLIN, 0};
                if (::poll(&p, 1, 50) <= 0) {
                    continue;
                }
                lines.clear();
                if (!client_->readAvailable(lines)) {
                    return;
                }
                for (const auto& l : lines) {
                    if (l.find("\"type\":\"event\"") != std::string::npos) {
                        events_.fetch_add(1, std::memory_order_relaxed);
                    }
                }
            }
        });
    }
    ~Subscriber() { stop(); }
    bool ok() const { return client_ != nullptr; }
    uint64_t events() const { return events_.load(); }
    // CPU time this reader thread used; valid once it stopped (after the destructor's join).
    int64_t cpuNs() const { return cpuNs_.load(); }
    void stop() {
        stop_ = true;
        if (thread_.joinable()) {
            thread_.join();
        }
    }

  private:
    std::unique_ptr<telemetry::TapClient> client_;
    std::atomic<bool> stop_{false};
    std::atomic<uint64_t> events_{0};
    std::atomic<int64_t> cpuNs_{0};
    std::thread thread_;
};

// ---- RPC ---------------------------------------------------------------------------------------

double rpcCallsPerSecond(rpc::RpcClientPool& pool, std::chrono::seconds duration,
                         uint64_t* callCount = nullptr) {
    constexpr int kThreads = 4;
    std::atomic<bool> stop{false};
    std::atomic<uint64_t> calls{0}, failed{0};
    const nlohmann::json arg = {{"k", "v"}, {"n", 42}};
    // Warm-up: every worker connected.
    for (int i = 0; i < 50; ++i) {
        (void)pool.callJson("echo", arg);
    }
    std::vector<std::thread> threads;
    const auto t0 = std::chrono::steady_clock::now();
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&] {
            while (!stop.load(std::memory_order_relaxed)) {
                if (pool.callJson("echo", arg)) {
                    calls.fetch_add(1, std::memory_order_relaxed);
                } else {
                    failed.fetch_add(1, std::memory_order_relaxed);
                }
            }
        });
    }
    std::this_thread::sleep_for(duration);  // the measurement window, not synchronisation
    stop = true;
    for (auto& t : threads) {
        t.join();
    }
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (callCount != nullptr) {
        *callCount = calls.load();
    }
    return failed.load() > 0 ? -1 : static_cast<double>(calls.load()) / s;
}

void benchRpc(const Options& o) {
    rpc::RpcServerOptions so;
    so.address = net::Address::tcp("127.0.0.1", 0);
    rpc::RpcServer server(so);
    if (!server.addJson(
            "echo", [](const nlohmann::json& a) -> rpc::RpcResult<nlohmann::json> { return a; }) ||
        !server.start()) {
        std::fprintf(stderr, "rpc server did not start\n");
        return;
    }
    rpc::RpcClientOptions co;
    co.address = server.address();
    co.size = 4;
    rpc::RpcClientPool pool(co);
    if (!pool.start()) {
        std::fprintf(stderr, "rpc pool did not start\n");
        return;
    }
    std::map<std::string, double> best;
    // Process CPU per call, without the bench's own tap reader (a separate program in real
    // use): steadier than calls/s on a loaded machine, since other processes' load does not
    // add to it. Lowest of the rounds.
    std::map<std::string, double> cpuPerCall;
    uint64_t seen = 0;
    // One mode: "off" (no tap), "idle" (a tap, nobody subscribed), "sub" (one subscriber).
    auto measureMode = [&](const std::string& mode) {
        double v = 0;
        uint64_t calls = 0;
        int64_t readerCpu = 0;
        const int64_t cpu0 = processCpuNs();
        if (mode == "off") {
            v = rpcCallsPerSecond(pool, std::chrono::seconds(o.seconds), &calls);
        } else {
            telemetry::TapServer::Options to;
            to.process = telemetry::TapProcess::current("bench_tap_cost");
            telemetry::TapServer tap(to);
            auto addr = tap.start();
            if (!addr) {
                std::fprintf(stderr, "tap: %s\n", addr.error().message.c_str());
                return;
            }
            if (mode == "idle") {
                v = rpcCallsPerSecond(pool, std::chrono::seconds(o.seconds), &calls);
            } else {
                Subscriber sub(*addr);
                if (!sub.ok()) {
                    return;
                }
                v = rpcCallsPerSecond(pool, std::chrono::seconds(o.seconds), &calls);
                std::this_thread::sleep_for(100ms);  // let the reader catch up before counting
                sub.stop();
                seen += sub.events();
                readerCpu = sub.cpuNs();
            }
        }
        const double cpu = calls > 0 ? static_cast<double>(processCpuNs() - cpu0 - readerCpu) /
                                           1e3 / static_cast<double>(calls)
                                     : 0;
        best[mode] = std::max(best[mode], v);
        if (cpu > 0 && (cpuPerCall[mode] == 0 || cpu < cpuPerCall[mode])) {
            cpuPerCall[mode] = cpu;
        }
        std::printf(" %s %.0f (%.1f us CPU/call)", mode.c_str(), v, cpu);
        std::fflush(stdout);
    };
    // The order turns every round, so no mode always runs first (or right after another).
    const std::vector<std::string> modes = {"off", "idle", "sub"};
    for (int round = 1; round <= o.rounds; ++round) {
        std::printf("  rpc round %d/%d:", round, o.rounds);
        for (size_t i = 0; i < modes.size(); ++i) {
            measureMode(modes[(i + static_cast<size_t>(round)) % modes.size()]);
        }
        std::printf("\n");
    }
    pool.stop();
    server.stop();
    std::printf("\nRPC calls/s (4 callers, JSON echo, best of %d rounds of %d s)\n", o.rounds,
                o.seconds);
    std::printf("  %-28s %12.0f\n", "tap off", best["off"]);
    std::printf("  %-28s %12.0f  (%.3fx tap off; target >= 0.99)\n", "tap on, no subscriber",
                best["idle"], best["idle"] / best["off"]);
    std::printf("  %-28s %12.0f  (%.3fx tap off; target >= 0.95)  %llu events read\n",
                "tap on, one subscriber", best["sub"], best["sub"] / best["off"],
                static_cast<unsigned long long>(seen));
    std::printf("RPC process CPU per call, us (lowest round; the bench's tap reader excluded)\n");
    std::printf("  %-28s %12.2f\n", "tap off", cpuPerCall["off"]);
    std::printf("  %-28s %12.2f  (%.3fx tap off)\n", "tap on, no subscriber", cpuPerCall["idle"],
                cpuPerCall["idle"] / cpuPerCall["off"]);
    std::printf("  %-28s %12.2f  (%.3fx tap off)\n", "tap on, one subscriber", cpuPerCall["sub"],
                cpuPerCall["sub"] / cpuPerCall["off"]);
}

// ---- sidecar -----------------------------------------------------------------------------------

struct Sidecars {
    std::vector<std::unique_ptr<bench::ChildProcess>> relays;  // db's then web's proxy
    uint16_t port = 0;  // web's upstream listener: what clients dial
    std::vector<net::Address> taps;
};

// Two meshx-proxy hops (web -> mTLS -> db -> echo) with MESHX_TAP_LISTEN=`tapMode` for each:
// "off", or "unix" (a socket in `dir`).
Sidecars startSidecars(const Options& o, const std::string& dir, uint16_t echo,
                       const std::string& tapMode, const std::string& tag) {
    Sidecars s;
    auto files = bench::writeStaticProxyConfigs(dir, tag, echo);
    if (!files) {
        return s;
    }
    for (const auto& [config, name] :
         {std::pair<std::string, std::string>{files->dbConfig, "db"},
          std::pair<std::string, std::string>{files->webConfig, "web"}}) {
        std::string listen = "off";
        if (tapMode == "unix") {
            listen = "unix://" + dir + "/tap-" + tag + "-" + name + ".sock";
            s.taps.push_back(*net::Address::parse(listen));
        }
        s.relays.push_back(std::make_unique<bench::ChildProcess>(
            std::vector<std::string>{"/usr/bin/env", "MESHX_TAP_LISTEN=" + listen, o.meshx,
                                     "-config-file", config, "-log-level", "err"},
            dir + "/meshx-" + tag + "-" + name + ".log"));
    }
    s.port =
        bench::waitForPort(files->publicPort, 10s) && bench::waitForPort(files->upstreamPort, 10s)
            ? files->upstreamPort
            : 0;
    return s;
}

struct SidecarRow {
    double calls1 = 0, calls16 = 0, bulk = 0;
    void merge(double c1, double c16, double b) {
        calls1 = std::max(calls1, c1);
        calls16 = std::max(calls16, c16);
        bulk = std::max(bulk, b);
    }
};

void measureSidecar(SidecarRow& row, uint16_t port, const Options& o) {
    const auto d = std::chrono::seconds(o.seconds);
    const auto ping = bench::pingPong(port, d);
    const double c16 = bench::concurrentCalls(port, 16, d);
    const double bulk = bench::bulkEcho(port, d);
    row.merge(ping.ok ? ping.callsPerSecond : -1, c16, bulk);
}

void benchSidecar(const Options& o) {
    char tmpl[] = "/tmp/meshx-bench-tap-XXXXXX";
    const std::string dir = ::mkdtemp(tmpl);
    if (!bench::makeMeshCertificates(dir)) {
        std::fprintf(stderr, "certificate generation failed (openssl CLI) in %s\n", dir.c_str());
        return;
    }
    bench::EchoServer echo;
    Sidecars off = startSidecars(o, dir, echo.port(), "off", "off");
    Sidecars on = startSidecars(o, dir, echo.port(), "unix", "on");
    if (off.port == 0 || on.port == 0) {
        std::fprintf(stderr, "meshx-proxy did not start (logs in %s)\n", dir.c_str());
        return;
    }
    SidecarRow rOff, rIdle, rSub;
    uint64_t seen = 0;
    auto measureMode = [&](int mode) {
        if (mode == 0) {
            measureSidecar(rOff, off.port, o);
        } else if (mode == 1) {
            measureSidecar(rIdle, on.port, o);
        } else {
            std::vector<std::unique_ptr<Subscriber>> subs;
            for (const auto& t : on.taps) {
                subs.push_back(std::make_unique<Subscriber>(t));
            }
            measureSidecar(rSub, on.port, o);
            std::this_thread::sleep_for(100ms);
            for (const auto& sub : subs) {
                seen += sub->events();
            }
        }
        std::printf(" %s", mode == 0 ? "off" : mode == 1 ? "no-subscriber" : "one-subscriber");
        std::fflush(stdout);
    };
    for (int round = 1; round <= o.rounds; ++round) {
        std::printf("  sidecar round %d/%d:", round, o.rounds);
        for (int i = 0; i < 3; ++i) {
            measureMode((i + round) % 3);
        }
        std::printf("\n");
    }
    std::printf(
        "\nSidecar (2 meshx-proxy hops, mTLS; best of %d rounds of %d s per load; x tap off)\n",
        o.rounds, o.seconds);
    std::printf("  %-24s %18s %18s %18s\n", "", "1-conn calls/s", "16-conn calls/s",
                "1MiB echo MB/s");
    auto line = [&](const char* name, const SidecarRow& r) {
        char a[40], b[40], c[40];
        std::snprintf(a, sizeof a, "%.0f (%.3fx)", r.calls1, r.calls1 / rOff.calls1);
        std::snprintf(b, sizeof b, "%.0f (%.3fx)", r.calls16, r.calls16 / rOff.calls16);
        std::snprintf(c, sizeof c, "%.0f (%.3fx)", r.bulk, r.bulk / rOff.bulk);
        std::printf("  %-24s %18s %18s %18s\n", name, a, b, c);
    };
    line("tap off", rOff);
    line("tap on, no subscriber", rIdle);
    line("tap on, one subscriber", rSub);
    std::printf("  (%llu flow events read by the subscribers; targets: >= 0.99x and >= 0.95x)\n",
                static_cast<unsigned long long>(seen));
    if (std::getenv("KEEP_BENCH_DIR") == nullptr) {
        bench::runCommand("rm -rf " + dir);
    }
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string a = argv[i];
        if (a == "--seconds") {
            o.seconds = std::max(1, std::atoi(argv[i + 1]));
        } else if (a == "--rounds") {
            o.rounds = std::max(1, std::atoi(argv[i + 1]));
        } else if (a == "--only") {
            o.only = argv[i + 1];
        } else {
            std::fprintf(stderr, "unknown option %s\n", a.c_str());
            return 2;
        }
    }
    if (o.only.empty() || o.only == "rpc") {
        benchRpc(o);
    }
    if (o.only.empty() || o.only == "sidecar") {
        benchSidecar(o);
    }
    return 0;
}
