// RPC benchmark against a raw TCP echo baseline measured in the same run (not part of CTest).
//
//   bench_rpc [seconds-per-case] [--rounds N]   (defaults 3 s, 3 rounds: about 60 s in all)
//   bench_rpc SECONDS CASE                      (one case: raw1 rpc1 raw16 rpc16 rawbig rpcbig
//                                                rpcbigcrc; prints its call count)
//
// Cases: 64-byte call p50/p99 with one worker, calls/s with 16 workers, 1 MiB echo MiB/s without
// and with crc32 checksums. The 16-worker and 1 MiB cases run raw and rpc back to back in each of
// N rounds and report the round with the median ratio (every round's ratio is printed), so a
// burst of load from other processes does not land on one side only. Server threads are pinned
// to CPU 0 and client threads to CPU 1 (when the machine has two CPUs or more). Prints one table
// with ratios to the baseline and the load average before and after. When built with gRPC
// (MESHX_BENCH_GRPC, see CMakeLists.txt) a gRPC C++ unary echo column runs the same cases:
// synchronous server, one channel (one HTTP/2 connection) per client thread.

#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "rpc/rpc_client_pool.h"
#include "rpc/rpc_server.h"
#include "rpc/transport/socket_ops.h"
#include "rpc/wire/crc32_checksum.h"

#ifdef MESHX_BENCH_GRPC
#include <grpcpp/grpcpp.h>

#include "bench_echo.grpc.pb.h"
#endif

using namespace meshx::rpc;
using Clock = std::chrono::steady_clock;

namespace {

int g_cpus = 1;
double g_seconds = 3.0;

// The 1, 5 and 15 minute load averages (what `uptime` prints).
std::string loadAverage() {
    std::ifstream in("/proc/loadavg");
    std::string one, five, fifteen;
    in >> one >> five >> fifteen;
    return one + " " + five + " " + fifteen;
}

void pin(int cpu) {
    if (g_cpus < 2)
        return;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu % g_cpus, &set);
    pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

bool readAll(int fd, uint8_t* p, size_t n) {
    while (n > 0) {
        ssize_t r = ::recv(fd, p, n, 0);
        if (r <= 0)
            return false;
        p += r;
        n -= static_cast<size_t>(r);
    }
    return true;
}

bool writeAll(int fd, const uint8_t* p, size_t n) {
    while (n > 0) {
        ssize_t r = ::send(fd, p, n, MSG_NOSIGNAL);
        if (r <= 0)
            return false;
        p += r;
        n -= static_cast<size_t>(r);
    }
    return true;
}

// Baseline: a thread-per-connection TCP echo server speaking u32 length + bytes.
class RawEchoServer {
  public:
    RawEchoServer() {
        auto fd = transport::listenOn(meshx::net::Address::tcp("127.0.0.1", 0));
        listen_ = *fd;
        port_ = transport::localAddress(listen_, meshx::net::Address::tcp("127.0.0.1", 0))->port();
        accept_ = std::thread([this] {
            pin(0);
            for (;;) {
                auto c = transport::acceptOn(listen_);
                if (!c)
                    return;
                transport::setNoDelay(*c);
                conns_.emplace_back([fd = *c] {
                    pin(0);
                    std::vector<uint8_t> buf;
                    uint8_t len[4];
                    while (readAll(fd, len, 4)) {
                        const uint32_t n = (uint32_t(len[0]) << 24) | (uint32_t(len[1]) << 16) |
                                           (uint32_t(len[2]) << 8) | len[3];
                        buf.resize(n);
                        if (!readAll(fd, buf.data(), n) || !writeAll(fd, len, 4) ||
                            !writeAll(fd, buf.data(), n))
                            break;
                    }
                    ::close(fd);
                });
            }
        });
    }
    ~RawEchoServer() {
        ::shutdown(listen_, SHUT_RDWR);
        accept_.join();
        ::close(listen_);
        for (auto& t : conns_)
            t.join();
    }
    uint16_t port() const { return port_; }

  private:
    int listen_ = -1;
    uint16_t port_ = 0;
    std::thread accept_;
    std::vector<std::thread> conns_;
};

// One client connection of the baseline.
struct RawClient {
    int fd = -1;
    explicit RawClient(uint16_t port) {
        fd = *transport::connectTo(meshx::net::Address::tcp("127.0.0.1", port),
                                   std::chrono::seconds(5));
    }
    ~RawClient() { ::close(fd); }
    bool echo(const std::vector<uint8_t>& out, std::vector<uint8_t>& in) {
        uint8_t len[4] = {uint8_t(out.size() >> 24), uint8_t(out.size() >> 16),
                          uint8_t(out.size() >> 8), uint8_t(out.size())};
        iovec v[2] = {{len, 4}, {const_cast<uint8_t*>(out.data()), out.size()}};
        msghdr m{};
        m.msg_iov = v;
        m.msg_iovlen = 2;
        if (::sendmsg(fd, &m, MSG_NOSIGNAL) != ssize_t(4 + out.size()))
            return false;
        if (!readAll(fd, len, 4))
            return false;
        in.resize(out.size());
        return readAll(fd, in.data(), in.size());
    }
};

struct Figures {
    double p50us = 0, p99us = 0, callsPerSec = 0, mibPerSec = 0;
    uint64_t calls = 0;
};

// Runs `op` on `threads` client threads for g_seconds; records per-op latency on thread 0.
template <typename MakeOp>
Figures run(int threads, size_t bytesPerOp, MakeOp makeOp) {
    std::atomic<bool> stop{false};
    std::atomic<uint64_t> ops{0};
    std::vector<double> lat;
    std::vector<std::thread> ts;
    const auto start = Clock::now();
    for (int t = 0; t < threads; ++t) {
        ts.emplace_back([&, t] {
            pin(1);
            auto op = makeOp();
            uint64_t n = 0;
            while (!stop.load(std::memory_order_relaxed)) {
                const auto a = Clock::now();
                if (!op()) {
                    std::fprintf(stderr, "operation failed\n");
                    break;
                }
                if (t == 0 && lat.size() < 2000000)
                    lat.push_back(
                        std::chrono::duration<double, std::micro>(Clock::now() - a).count());
                ++n;
            }
            ops += n;
        });
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(g_seconds));
    stop = true;
    for (auto& t : ts)
        t.join();
    const double secs = std::chrono::duration<double>(Clock::now() - start).count();
    Figures f;
    std::sort(lat.begin(), lat.end());
    if (!lat.empty()) {
        f.p50us = lat[lat.size() / 2];
        f.p99us = lat[std::min(lat.size() - 1, lat.size() * 99 / 100)];
    }
    f.calls = ops.load();
    f.callsPerSec = double(ops.load()) / secs;
    f.mibPerSec = f.callsPerSec * double(bytesPerOp) * 2 / (1024.0 * 1024.0);  // both directions
    return f;
}

Figures rawCase(uint16_t port, int threads, size_t size) {
    return run(threads, size, [port, size] {
        auto c = std::make_shared<RawClient>(port);
        auto out = std::make_shared<std::vector<uint8_t>>(size, 0x5a);
        auto in = std::make_shared<std::vector<uint8_t>>();
        return [c, out, in] { return c->echo(*out, *in); };
    });
}

Figures rpcCase(int threads, size_t size, bool crc) {
    RpcServerOptions so;
    so.address = meshx::net::Address::tcp("127.0.0.1", 0);
    so.id = "Bench.Server";
    if (crc)
        so.checksum = &wire::Crc32Checksum::instance();
    RpcServer server(so);
    (void)server.add("echo", [](Payload&& p) -> RpcResult<Payload> { return std::move(p); });
    std::atomic<bool> pinned{false};
    if (!server.start().ok())
        return {};
    RpcClientOptions co;
    co.address = server.address();
    co.id = "Bench.Client";
    co.size = static_cast<size_t>(threads);
    co.maxOverflow = 0;
    co.checksum = so.checksum;
    RpcClientPool pool(co);
    if (!pool.start().ok())
        return {};
    (void)pinned;
    return run(threads, size, [&pool, size] {
        auto arg = std::make_shared<Payload>();
        arg->bytes.assign(size, 0x5a);
        return [&pool, arg] {
            auto r = pool.call("echo", *arg);
            return r.ok() && r->bytes.size() == arg->bytes.size();
        };
    });
}

#ifdef MESHX_BENCH_GRPC
class GrpcEcho final : public meshx::bench::Echo::Service {
    grpc::Status Echo(grpc::ServerContext*, const meshx::bench::Blob* in,
                      meshx::bench::Blob* out) override {
        out->set_data(in->data());
        return grpc::Status::OK;
    }
};

// gRPC's synchronous server; its threads inherit main's CPU-0 affinity.
struct GrpcServer {
    GrpcEcho service;
    std::unique_ptr<grpc::Server> server;
    int port = 0;
    GrpcServer() {
        grpc::ServerBuilder b;
        b.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
        b.RegisterService(&service);
        b.SetMaxReceiveMessageSize(64 << 20);
        b.SetMaxSendMessageSize(64 << 20);
        server = b.BuildAndStart();
    }
    ~GrpcServer() { server->Shutdown(); }
};

Figures grpcCase(int port, int threads, size_t size) {
    static std::atomic<int> channelNo{0};
    return run(threads, size, [port, size] {
        grpc::ChannelArguments args;
        // A connection of its own per thread, like the other columns' one socket per worker.
        args.SetInt("grpc.use_local_subchannel_pool", 1);
        args.SetInt("meshx.bench.channel", channelNo++);
        args.SetMaxReceiveMessageSize(64 << 20);
        args.SetMaxSendMessageSize(64 << 20);
        auto channel = grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(port),
                                                 grpc::InsecureChannelCredentials(), args);
        std::shared_ptr<meshx::bench::Echo::Stub> stub = meshx::bench::Echo::NewStub(channel);
        auto req = std::make_shared<meshx::bench::Blob>();
        req->set_data(std::string(size, 'Z'));
        return [stub, req] {
            grpc::ClientContext ctx;
            meshx::bench::Blob rep;
            return stub->Echo(&ctx, *req, &rep).ok() && rep.data().size() == req->data().size();
        };
    });
}
#endif

// One baseline/rpc pair per round; the pair with the median ratio, and every ratio in round order.
struct Paired {
    Figures base, ours;
    std::vector<double> ratios;
};

template <typename Base, typename Ours>
Paired medianOfRounds(int rounds, Base base, Ours ours) {
    std::vector<std::pair<Figures, Figures>> runs;
    Paired p;
    for (int i = 0; i < rounds; ++i) {
        Figures a = base();
        Figures b = ours();
        runs.emplace_back(a, b);
        p.ratios.push_back(b.callsPerSec / a.callsPerSec);
    }
    std::sort(runs.begin(), runs.end(), [](const auto& x, const auto& y) {
        return x.second.callsPerSec / x.first.callsPerSec <
               y.second.callsPerSec / y.first.callsPerSec;
    });
    p.base = runs[runs.size() / 2].first;
    p.ours = runs[runs.size() / 2].second;
    return p;
}

}  // namespace

int main(int argc, char** argv) {
    g_cpus = static_cast<int>(std::thread::hardware_concurrency());
    int rounds = 3;
    std::vector<std::string> args;
    for (int i = 1; i < argc; ++i) {
        if (std::string(argv[i]) == "--rounds" && i + 1 < argc)
            rounds = std::max(1, std::min(15, std::atoi(argv[++i])));
        else
            args.emplace_back(argv[i]);
    }
    if (!args.empty())
        g_seconds = std::max(0.5, std::min(5.0, std::atof(args[0].c_str())));
    // The server side pins its threads to CPU 0: the RPC server's accept and connection threads
    // inherit the affinity of the thread that creates them, so set it here and re-pin clients.
    pin(0);
    RawEchoServer raw;

    const size_t small = 64, big = 1 << 20;
    if (args.size() > 1) {
        const std::string which = args[1];
        Figures f;
        if (which == "raw1")
            f = rawCase(raw.port(), 1, small);
        else if (which == "rpc1")
            f = rpcCase(1, small, false);
        else if (which == "raw16")
            f = rawCase(raw.port(), 16, small);
        else if (which == "rpc16")
            f = rpcCase(16, small, false);
        else if (which == "rawbig")
            f = rawCase(raw.port(), 1, big);
        else if (which == "rpcbig")
            f = rpcCase(1, big, false);
        else if (which == "rpcbigcrc")
            f = rpcCase(1, big, true);
        else {
            std::fprintf(stderr, "unknown case %s\n", which.c_str());
            return 2;
        }
        std::printf("%s: %llu calls, %.1f calls/s, %.1f MiB/s, p50 %.1f us\n", which.c_str(),
                    static_cast<unsigned long long>(f.calls), f.callsPerSec, f.mibPerSec, f.p50us);
        return 0;
    }
    const std::string loadBefore = loadAverage();
    Figures raw1 = rawCase(raw.port(), 1, small);
    Figures rpc1 = rpcCase(1, small, false);
    const Paired p16 = medianOfRounds(
        rounds, [&] { return rawCase(raw.port(), 16, small); },
        [&] { return rpcCase(16, small, false); });
    const Paired pBig = medianOfRounds(
        rounds, [&] { return rawCase(raw.port(), 1, big); },
        [&] { return rpcCase(1, big, false); });
    const Paired pCrc = medianOfRounds(
        rounds, [&] { return rawCase(raw.port(), 1, big); }, [&] { return rpcCase(1, big, true); });
    Figures grpc1, grpc16, grpcBig;
    bool haveGrpc = false;
#ifdef MESHX_BENCH_GRPC
    {
        GrpcServer g;
        if (g.server && g.port > 0) {
            haveGrpc = true;
            grpc1 = grpcCase(g.port, 1, small);
            grpc16 = grpcCase(g.port, 16, small);
            grpcBig = grpcCase(g.port, 1, big);
        }
    }
#endif
    const std::string loadAfter = loadAverage();

    std::printf(
        "\nMeshxRpc-compatible RPC vs raw TCP echo (same run, %.1f s per case, %d rounds, %d CPUs, "
        "client on CPU 1, server on CPU 0; load average %s before, %s after)\n\n",
        g_seconds, rounds, g_cpus, loadBefore.c_str(), loadAfter.c_str());
    std::printf("%-34s %12s %12s %7s %-7s %12s %7s\n", "case", "raw TCP", "rpc", "ratio", "goal",
                "gRPC C++", "ratio");
    auto row = [haveGrpc](const char* name, double a, double b, double g, const char* goal) {
        if (haveGrpc && g > 0) {
            std::printf("%-34s %12.1f %12.1f %7.2f %-7s %12.1f %7.2f\n", name, a, b, b / a, goal, g,
                        g / a);
        } else {
            std::printf("%-34s %12.1f %12.1f %7.2f %-7s %12s %7s\n", name, a, b, b / a, goal, "-",
                        "-");
        }
    };
    auto roundsRow = [](const Paired& p) {
        std::printf("%-34s", "  (ratio per round; median above)");
        for (double r : p.ratios)
            std::printf(" %.2f", r);
        std::printf("\n");
    };
    row("64 B, 1 worker: calls/s", raw1.callsPerSec, rpc1.callsPerSec, grpc1.callsPerSec, ">= 0.8");
    row("64 B, 1 worker: p50 latency (us)", raw1.p50us, rpc1.p50us, grpc1.p50us, "<= 1.3");
    row("64 B, 1 worker: p99 latency (us)", raw1.p99us, rpc1.p99us, grpc1.p99us, "");
    row("64 B, 16 workers: calls/s", p16.base.callsPerSec, p16.ours.callsPerSec, grpc16.callsPerSec,
        ">= 0.9");
    roundsRow(p16);
    row("1 MiB echo, no checksum: MiB/s", pBig.base.mibPerSec, pBig.ours.mibPerSec,
        grpcBig.mibPerSec, ">= 0.5");
    roundsRow(pBig);
    row("1 MiB echo, crc32: MiB/s", pCrc.base.mibPerSec, pCrc.ours.mibPerSec, 0, ">= 0.7");
    roundsRow(pCrc);
    std::printf(
        "\n(MiB/s = 2^20 bytes/s, both directions; ratio = column / raw TCP; latency ratios: lower "
        "is better)\n");
    return 0;
}
