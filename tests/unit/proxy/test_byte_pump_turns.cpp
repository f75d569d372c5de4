// Turn timing in the relay (proxy/turn_timer.h, BytePump::timeTurns): a real BytePump on a real
// EventLoop thread between two real loopback TCP connections, a client and a server taking
// turns (request burst, answer burst) as MeshxRpc does. Every test fails when turns are
// miscounted, their times are missing or out of order, or the `turn` flow event loses what pairs
// it with an RPC end (the client's address, the dialled address, the turn number).

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <QtTest>

#include <atomic>
#include <future>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>

#include "proxy/byte_pump.h"
#include "proxy/event_loop.h"
#include "proxy/flow_event.h"
#include "proxy/proxy_config.h"
#include "proxy/socket.h"
#include "proxy/tcp_transport.h"
#include "proxy_test_support.h"
#include "telemetry/event_json.h"
#include "telemetry/telemetry_bus.h"

using namespace meshx::proxy;
using namespace meshx::proxy::testing;

namespace {

// Collects the turns a pump hands over (loop thread) for the test thread.
class RecordingSink : public TurnSink {
  public:
    std::atomic<bool> want{true};

    bool wantTurnTimes() override { return want.load(); }
    void onTurn(const TurnTimes& turn) override {
        std::lock_guard<std::mutex> lock(mutex_);
        turns_.push_back(turn);
    }
    std::vector<TurnTimes> turns() {
        std::lock_guard<std::mutex> lock(mutex_);
        return turns_;
    }

  private:
    std::mutex mutex_;
    std::vector<TurnTimes> turns_;
};

// Hands epoll events of one side to the pump (loop thread).
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

// A blocking accept with a deadline; returns the fd (blocking unless `nonBlocking`).
int acceptWithin(const Socket& listener, bool nonBlocking) {
    pollfd p{listener.fd(), POLLIN, 0};
    if (::poll(&p, 1, 5000) <= 0) {
        return -1;
    }
    return ::accept4(listener.fd(), nullptr, nullptr,
                     SOCK_CLOEXEC | (nonBlocking ? SOCK_NONBLOCK : 0));
}

std::string peerName(int fd) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    ::getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len);
    return SocketAddress::fromSockaddr(reinterpret_cast<sockaddr*>(&ss), len).toString();
}

std::string localName(int fd) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
    return SocketAddress::fromSockaddr(reinterpret_cast<sockaddr*>(&ss), len).toString();
}

// client ──conn──▶ [pump side 0 | BytePump | side 1] ──conn──▶ server, the pump on its own loop
// thread. The server answers each request of the plan with its answer, in a thread of its own
// (large bursts do not fit the socket buffers: both ends must read while the other writes).
struct Relay {
    struct Exchange {
        size_t request, answer;
    };

    EventLoop loop;
    std::thread loopThread;
    int client = -1;
    int server = -1;
    std::unique_ptr<TcpTransport> down, up;
    BytePump* pump = nullptr;
    PumpSide downSide{pump, 0}, upSide{pump, 1};
    std::thread serverThread;
    std::atomic<int> served{0};

    bool open() {
        auto l1 = Socket::listen(*SocketAddress::resolve("127.0.0.1", 0));
        auto l2 = Socket::listen(*SocketAddress::resolve("127.0.0.1", 0));
        if (!l1 || !l2) {
            return false;
        }
        client = connectTcp(l1->localAddress().port());
        const int downFd = acceptWithin(*l1, true);
        auto dial = Socket::connect(l2->localAddress());
        if (client < 0 || downFd < 0 || !dial) {
            return false;
        }
        server = acceptWithin(*l2, false);
        if (server < 0) {
            return false;
        }
        down = std::make_unique<TcpTransport>(Socket(downFd));
        up = std::make_unique<TcpTransport>(std::move(*dial));
        loopThread = std::thread([this] { loop.run(); });
        return true;
    }

    // Loop thread: the pump, with `sink` timing turns (null: timing off).
    void startPump(TurnSink* sink) {
        onLoop([this, sink] {
            pump = new BytePump(loop, *down, *up);
            if (sink != nullptr) {
                pump->timeTurns(*sink);
            }
            const uint32_t ev = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
            loop.watch(down->fd(), ev, &downSide);
            loop.watch(up->fd(), ev, &upSide);
            pump->run();
        });
    }

    void serve(std::vector<Exchange> plan) {
        serverThread = std::thread([this, plan] {
            for (const Exchange& x : plan) {
                if (recvN(server, x.request, Ms(20000)).size() != x.request ||
                    !sendAll(server, std::string(x.answer, 'a'))) {
                    return;
                }
                ++served;
            }
        });
    }

    // One turn as the client takes it: the whole request, then the whole answer.
    bool exchange(const Exchange& x) {
        return sendAll(client, std::string(x.request, 'q')) &&
               recvN(client, x.answer, Ms(20000)).size() == x.answer;
    }

    // Runs `task` on the loop thread and waits for it.
    template <typename F>
    auto onLoop(F task) -> decltype(task()) {
        std::packaged_task<decltype(task())()> job(std::move(task));
        auto result = job.get_future();
        loop.post([&job] { job(); });
        return result.get();
    }

    // Ends the conversation: the client closes, the pump forwards the end; the pump's turn in
    // progress is handed over as when its session closes.
    uint64_t finish() {
        ::shutdown(client, SHUT_WR);
        if (serverThread.joinable()) {
            serverThread.join();
        }
        return onLoop([this] {
            pump->finishTurns();
            return pump->turns();
        });
    }

    ~Relay() {
        if (serverThread.joinable()) {
            ::shutdown(server, SHUT_RDWR);
            serverThread.join();
        }
        if (loopThread.joinable()) {
            onLoop([this] {
                if (down) {
                    loop.unwatch(down->fd());
                    loop.unwatch(up->fd());
                }
                delete pump;
                pump = nullptr;
            });
            loop.quit();
            loopThread.join();
        }
        for (int fd : {client, server}) {
            if (fd >= 0) {
                ::close(fd);
            }
        }
    }
};

bool isSet(TurnTimes::Clock::time_point t) {
    return t.time_since_epoch().count() != 0;
}

// Small ones like MeshxRpc's handshake and calls, and one of 600 KB each way: many reads and
// writes per burst (and back-pressure), still one turn.
const std::vector<Relay::Exchange> kPlan = {
    {60, 52}, {120, 80}, {600 * 1024, 600 * 1024}, {40, 1000}, {70, 30}};

}  // namespace

class TestBytePumpTurns : public QObject {
    Q_OBJECT

  private slots:
    void timesEveryTurnInOrder();
    void untimedTurnsAreCountedNotPublished();
    void offCountsNothing();
    void turnFlowEventPairsWithTheConnection();
    void configSwitchesItOnPerSidecarAndUpstream();
};

void TestBytePumpTurns::timesEveryTurnInOrder() {
    Relay relay;
    QVERIFY(relay.open());
    RecordingSink sink;
    relay.startPump(&sink);
    relay.serve(kPlan);
    for (const auto& x : kPlan) {
        QVERIFY(relay.exchange(x));
    }
    QCOMPARE(relay.finish(), uint64_t(kPlan.size()));
    const std::vector<TurnTimes> turns = sink.turns();
    QCOMPARE(turns.size(), kPlan.size());
    for (size_t i = 0; i < turns.size(); ++i) {
        const TurnTimes& t = turns[i];
        QCOMPARE(t.turn, uint64_t(i + 1));
        QCOMPARE(t.requestBytes, uint64_t(kPlan[i].request));
        QCOMPARE(t.answerBytes, uint64_t(kPlan[i].answer));
        QVERIFY(isSet(t.requestRead) && isSet(t.requestWritten) && isSet(t.answerRead) &&
                isSet(t.answerWritten));
        // In order, each step taking time (two clock reads apart at least).
        QVERIFY(t.requestRead <= t.requestWritten);
        QVERIFY(t.requestWritten < t.answerRead);
        QVERIFY(t.answerRead <= t.answerWritten);
        QVERIFY(t.answerWritten - t.requestRead > std::chrono::nanoseconds(0));
        if (i > 0) {
            QVERIFY(turns[i - 1].answerWritten < t.requestRead);
        }
    }
    // The big turn's relay took its many writes: longer than a small one's.
    QVERIFY(turns[2].requestWritten - turns[2].requestRead >
            turns[0].requestWritten - turns[0].requestRead);
}

// Nobody listens for the first two turns: they are counted (the numbers stay right for a
// subscriber that comes later) but neither timed nor handed over.
void TestBytePumpTurns::untimedTurnsAreCountedNotPublished() {
    Relay relay;
    QVERIFY(relay.open());
    RecordingSink sink;
    sink.want = false;
    relay.startPump(&sink);
    relay.serve(kPlan);
    for (size_t i = 0; i < kPlan.size(); ++i) {
        if (i == 2) {
            sink.want = true;
        }
        QVERIFY(relay.exchange(kPlan[i]));
    }
    QCOMPARE(relay.finish(), uint64_t(kPlan.size()));
    const std::vector<TurnTimes> turns = sink.turns();
    QCOMPARE(turns.size(), kPlan.size() - 2);
    QCOMPARE(turns.front().turn, uint64_t(3));
    QCOMPARE(turns.back().turn, uint64_t(kPlan.size()));
}

void TestBytePumpTurns::offCountsNothing() {
    Relay relay;
    QVERIFY(relay.open());
    relay.startPump(nullptr);
    relay.serve(kPlan);
    for (const auto& x : kPlan) {
        QVERIFY(relay.exchange(x));
    }
    QCOMPARE(relay.finish(), uint64_t(0));
}

// The sidecar's sink: a `turn` flow event per turn on the process's bus, with the accepted
// client's address as src, the dialled socket's own address as dst_local, the turn number and
// the three measured spans, as the tap writes it.
void TestBytePumpTurns::turnFlowEventPairsWithTheConnection() {
    auto sub = meshx::telemetry::TelemetryBus::global().subscribe(1000);
    Relay relay;
    QVERIFY(relay.open());
    FlowRecord flow;
    flow.ref = FlowRecord::nextRef();
    flow.direction = "outbound";
    flow.service = "echo";
    relay.onLoop([&] { FlowEvents::noteAddresses(flow, relay.down->fd(), relay.up->fd()); });
    QCOMPARE(flow.src, localName(relay.client));
    QCOMPARE(flow.dstLocal, peerName(relay.server));
    FlowTurns sink(flow);
    relay.startPump(&sink);
    const std::vector<Relay::Exchange> plan(kPlan.begin(), kPlan.begin() + 2);
    relay.serve(plan);
    for (const auto& x : plan) {
        QVERIFY(relay.exchange(x));
    }
    QCOMPARE(relay.finish(), uint64_t(2));
    std::vector<meshx::telemetry::Event> events;
    sub->drain(events);
    std::vector<meshx::telemetry::Event> turns;
    for (auto& e : events) {
        if (e.source == "proxy.flow" && e.name == "turn" &&
            e.meta.value("flow_ref", uint64_t(0)) == flow.ref) {
            turns.push_back(e);
        }
    }
    QCOMPARE(turns.size(), size_t(2));
    for (size_t i = 0; i < turns.size(); ++i) {
        const auto& e = turns[i];
        QCOMPARE(e.meta.at("turn").get<uint64_t>(), uint64_t(i + 1));
        QCOMPARE(e.meta.at("src").get<std::string>(), localName(relay.client));
        QCOMPARE(e.meta.at("dst_local").get<std::string>(), peerName(relay.server));
        QCOMPARE(e.meta.at("direction").get<std::string>(), std::string("outbound"));
        QCOMPARE(e.metrics.at("bytes").at("to_upstream").get<uint64_t>(),
                 uint64_t(plan[i].request));
        QCOMPARE(e.metrics.at("bytes").at("to_downstream").get<uint64_t>(),
                 uint64_t(plan[i].answer));
        for (const char* span : {"request", "wait", "answer"}) {
            QVERIFY2(e.metrics.at("time_ns").value(span, int64_t(0)) > 0, span);
        }
    }
}

// Opt-in: Proxy.Config.meshx_turn_timing for the public listener, Upstreams[].Config for one
// upstream; absent (or false) means off.
void TestBytePumpTurns::configSwitchesItOnPerSidecarAndUpstream() {
    auto cfg = ProxyConfig::fromAgentService(nlohmann::json::parse(R"({
        "ID": "web-sidecar-proxy", "Kind": "connect-proxy", "Port": 21000,
        "Proxy": {"DestinationServiceName": "web", "LocalServicePort": 8080,
                  "Config": {"meshx_turn_timing": true},
                  "Upstreams": [
                      {"DestinationName": "db", "LocalBindPort": 9191,
                       "Config": {"meshx_turn_timing": "true"}},
                      {"DestinationName": "cache", "LocalBindPort": 9192},
                      {"DestinationName": "queue", "LocalBindPort": 9193,
                       "Config": {"meshx_turn_timing": false}}]}})"));
    QVERIFY(cfg.ok());
    QVERIFY(cfg->turnTiming);
    QCOMPARE(cfg->upstreams.size(), size_t(3));
    QVERIFY(cfg->upstreams[0].turnTiming);
    QVERIFY(!cfg->upstreams[1].turnTiming);
    QVERIFY(!cfg->upstreams[2].turnTiming);
    auto plain = ProxyConfig::fromAgentService(nlohmann::json::parse(
        R"({"ID": "p", "Kind": "connect-proxy", "Proxy": {"DestinationServiceName": "web"}})"));
    QVERIFY(plain.ok());
    QVERIFY(!plain->turnTiming);
}

QTEST_GUILESS_MAIN(TestBytePumpTurns)
#include "test_byte_pump_turns.moc"
