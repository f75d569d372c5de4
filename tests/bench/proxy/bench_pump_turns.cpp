// Cost of turn timing in the relay (docs/taps.md "Per-request sidecar hop times"): one BytePump
// on its EventLoop thread between two loopback TCP connections, a client and a server playing
// 64-byte ping-pong (one request at a time, as MeshxRpc), in four modes measured in the same run:
//
//   off    no turn timing (the pump as every connection without meshx_turn_timing)
//   idle   turn timing on, nobody subscribed to the bus (turns counted, not timed)
//   sub    turn timing on, one bus subscriber (two clock reads per turn, a `turn` event
//          published per turn; a reader thread drains the subscription)
//
// Prints wall-clock ns per relayed request (best of --rounds; say the load average next to it)
// and the ratio to `off`. For instruction counts, which load does not change, run one mode under
//   valgrind --tool=callgrind --toggle-collect='*BytePump::onEvents*'
//       bench_pump_turns --only MODE --turns N --rounds 1   (one command line)
// and divide the collected Ir by N (the pump's work per relayed request, the turn timer and the
// event publishing included). Bounded: modes x rounds x --turns round trips.
//
// Usage: bench_pump_turns [--turns N] [--rounds R] [--only off|idle|sub]

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <future>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "proxy/byte_pump.h"
#include "proxy/event_loop.h"
#include "proxy/flow_event.h"
#include "proxy/socket.h"
#include "proxy/tcp_transport.h"
#include "telemetry/telemetry_bus.h"

using namespace meshx::proxy;
using Clock = std::chrono::steady_clock;

namespace {

constexpr size_t kMessage = 64;

class PumpSide : public IoHandler {
  public:
    PumpSide(BytePump*& pump, int side) : pump_(pump), side_(side) {}
    void handleEvents(uint32_t events) override {
        if (pump_ != nullptr) {
            pump_->onEvents(side_, events);
        }
    }

  private:
    BytePump*& pump_;
    int side_;
};

int acceptWithin(const Socket& listener, bool nonBlocking) {
    pollfd p{listener.fd(), POLLIN, 0};
    if (::poll(&p, 1, 5000) <= 0) {
        return -1;
    }
    return ::accept4(listener.fd(), nullptr, nullptr,
                     SOCK_CLOEXEC | (nonBlocking ? SOCK_NONBLOCK : 0));
}

bool sendAll(int fd, const char* data, size_t n) {
    while (n > 0) {
        const ssize_t w = ::send(fd, data, n, MSG_NOSIGNAL);
        if (w <= 0) {
            return false;
        }
        data += w;
        n -= static_cast<size_t>(w);
    }
    return true;
}

bool recvAll(int fd, char* data, size_t n) {
    while (n > 0) {
        const ssize_t r = ::recv(fd, data, n, 0);
        if (r <= 0) {
            return false;
        }
        data += r;
        n -= static_cast<size_t>(r);
    }
    return true;
}

// Measures one mode: ns per round trip through the pump.
double measure(const std::string& mode, int turns) {
    auto l1 = Socket::listen(*SocketAddress::resolve("127.0.0.1", 0));
    auto l2 = Socket::listen(*SocketAddress::resolve("127.0.0.1", 0));
    if (!l1 || !l2) {
        return -1;
    }
    const int client = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (::connect(client, l1->localAddress().get(), l1->localAddress().length()) != 0) {
        return -1;
    }
    int one = 1;
    ::setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    const int downFd = acceptWithin(*l1, true);
    auto dial = Socket::connect(l2->localAddress());
    const int server = dial ? acceptWithin(*l2, false) : -1;
    if (downFd < 0 || server < 0) {
        return -1;
    }
    ::setsockopt(server, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    TcpTransport down{Socket(downFd)};
    TcpTransport up{std::move(*dial)};

    std::shared_ptr<meshx::telemetry::Subscription> sub;
    std::atomic<bool> draining{true};
    std::thread drainer;
    uint64_t drained = 0;
    if (mode == "sub") {
        sub = meshx::telemetry::TelemetryBus::global().subscribe(1 << 16);
        drainer = std::thread([&] {
            std::vector<meshx::telemetry::Event> batch;
            while (draining.load()) {
                batch.clear();
                drained += sub->drainTyped(batch);
                std::this_thread::sleep_for(std::chrono::milliseconds(5));
            }
        });
    }

    EventLoop loop;
    BytePump* pump = nullptr;
    PumpSide downSide{pump, 0}, upSide{pump, 1};
    FlowRecord flow;
    flow.direction = "outbound";
    flow.service = "echo";
    FlowTurns sink(flow);
    std::thread loopThread([&] { loop.run(); });
    std::promise<void> started;
    loop.post([&] {
        FlowEvents::noteAddresses(flow, down.fd(), up.fd());
        pump = new BytePump(loop, down, up);
        if (mode != "off") {
            pump->timeTurns(sink);
        }
        const uint32_t ev = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
        loop.watch(down.fd(), ev, &downSide);
        loop.watch(up.fd(), ev, &upSide);
        pump->run();
        started.set_value();
    });
    started.get_future().wait();

    std::thread serverThread([&] {
        char buf[kMessage];
        for (int i = 0; i < turns; ++i) {
            if (!recvAll(server, buf, kMessage) || !sendAll(server, buf, kMessage)) {
                return;
            }
        }
    });
    char msg[kMessage];
    std::memset(msg, 'q', sizeof msg);
    const auto start = Clock::now();
    int done = 0;
    for (; done < turns; ++done) {
        if (!sendAll(client, msg, kMessage) || !recvAll(client, msg, kMessage)) {
            break;
        }
    }
    const auto elapsed = Clock::now() - start;
    serverThread.join();

    std::promise<uint64_t> counted;
    loop.post([&] {
        pump->finishTurns();
        counted.set_value(pump->turns());
        loop.unwatch(down.fd());
        loop.unwatch(up.fd());
        delete pump;
        pump = nullptr;
    });
    const uint64_t turnsSeen = counted.get_future().get();
    loop.quit();
    loopThread.join();
    if (drainer.joinable()) {
        draining = false;
        drainer.join();
        std::vector<meshx::telemetry::Event> batch;
        drained += sub->drainTyped(batch);
    }
    ::close(client);
    ::close(server);
    if (done != turns) {
        std::fprintf(stderr, "%s: only %d of %d round trips\n", mode.c_str(), done, turns);
        return -1;
    }
    if (mode == "sub" && drained != turnsSeen) {
        std::fprintf(stderr, "sub: %llu turns counted, %llu events read\n",
                     static_cast<unsigned long long>(turnsSeen),
                     static_cast<unsigned long long>(drained));
    }
    return static_cast<double>(
               std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count()) /
           turns;
}

}  // namespace

int main(int argc, char** argv) {
    int turns = 20000;
    int rounds = 3;
    std::string only;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i];
        if (flag == "--turns") {
            turns = std::max(1, std::atoi(argv[i + 1]));
        } else if (flag == "--rounds") {
            rounds = std::max(1, std::atoi(argv[i + 1]));
        } else if (flag == "--only") {
            only = argv[i + 1];
        } else {
            std::fprintf(stderr,
                         "usage: bench_pump_turns [--turns N] [--rounds R] [--only MODE]\n");
            return 2;
        }
    }
    const std::vector<std::string> modes = {"off", "idle", "sub"};
    std::map<std::string, double> best;
    for (int round = 0; round < rounds; ++round) {
        std::printf("round %d:", round + 1);
        // The order turns every round, so no mode always runs first.
        for (size_t k = 0; k < modes.size(); ++k) {
            const std::string& mode = modes[(k + static_cast<size_t>(round)) % modes.size()];
            if (!only.empty() && mode != only) {
                continue;
            }
            const double ns = measure(mode, turns);
            if (ns < 0) {
                return 1;
            }
            std::printf(" %s %.0f ns", mode.c_str(), ns);
            std::fflush(stdout);
            if (best.count(mode) == 0 || ns < best[mode]) {
                best[mode] = ns;
            }
        }
        std::printf("\n");
    }
    std::printf("ns per relayed request (64-byte ping-pong, %d turns, best of %d):\n", turns,
                rounds);
    for (const std::string& mode : modes) {
        if (best.count(mode) == 0) {
            continue;
        }
        std::printf("  %-5s %10.0f", mode.c_str(), best[mode]);
        if (best.count("off") != 0 && mode != "off") {
            std::printf("  (%.3fx off)", best[mode] / best["off"]);
        }
        std::printf("\n");
    }
    return 0;
}
