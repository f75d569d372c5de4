// The console's mesh watch without the console: TapSubscriber on real TapServers over loopback
// (merging, process tags, pushed-down filter, reconnect with back-off after a tap restarts,
// this process's own tap left to the local bus), discovery from registrations, sidecar flow
// records and the service graph's edges.

#include <QDeadlineTimer>
#include <QtTest>

#include <functional>

#include "telemetry/filter/event_filter.h"
#include "telemetry/in_process_bus.h"
#include "telemetry/tap/tap_protocol.h"
#include "telemetry/tap/tap_server.h"
#include "telemetry/watch/flow_record.h"
#include "telemetry/watch/service_graph.h"
#include "telemetry/watch/tap_discovery.h"
#include "telemetry/watch/tap_subscriber.h"

using namespace meshx;
using namespace meshx::telemetry;

namespace {

Event callEvent(const std::string& source, const std::string& fun, uint64_t ref) {
    Event e;
    e.source = source;
    e.name = "call";
    e.metrics = {{"time", {{"exec", 12}, {"recv", 30}}}};
    e.meta = {{"fun_name", fun}, {"fun_req", "call"}, {"result", "ok"}, {"req_ref", ref}};
    return e;
}

TapServer::Options optionsFor(InProcessBus& bus, const std::string& program, long pid) {
    TapServer::Options o;
    o.bus = &bus;
    o.process.pid = pid;  // another "process": the subscriber skips only its own pid
    o.process.program = program;
    o.heartbeat = std::chrono::milliseconds(300);
    return o;
}

// Publishes with `publish` and drains `sub` until `enough(events so far)` or 30 s.
std::vector<Event> collect(TapSubscriber& sub, const std::function<void()>& publish,
                           const std::function<bool(const std::vector<Event>&)>& enough) {
    std::vector<Event> got;
    QDeadlineTimer deadline(30000);
    while (!deadline.hasExpired() && !enough(got)) {
        publish();
        sub.drain(got);
        QTest::qWait(20);
    }
    return got;
}

size_t countOf(const std::vector<Event>& events, const std::string& program) {
    return static_cast<size_t>(std::count_if(events.begin(), events.end(), [&](const Event& e) {
        return e.meta["process"].value("program", "") == program;
    }));
}

}  // namespace

class TestTapSubscriber : public QObject {
    Q_OBJECT

  private slots:
    void mergesTapsWithProcessTags();
    void pushesFilterDown();
    void reconnectsAfterTapRestart();
    void leavesOwnProcessToLocalBus();
    void discoveryReadsMeta();
    void flowAndGraph();
};

void TestTapSubscriber::mergesTapsWithProcessTags() {
    InProcessBus busA, busB;
    TapServer tapA(optionsFor(busA, "rpc-serve", 90001));
    TapServer tapB(optionsFor(busB, "rpc-call", 90002));
    auto a = tapA.start();
    auto b = tapB.start();
    QVERIFY(a.ok() && b.ok());
    tapA.setServiceId("echo-1");
    TapSubscriber::Options o;
    o.skipOwnProcess = false;
    TapSubscriber sub(o);
    // B as the catalog finds it on another node (this host's node-b): its events say so.
    sub.setTargets({{a->toString(), {"echo-1"}, {}}, {b->toString(), {"caller"}, "node-b"}});
    uint64_t ref = 0;
    const auto got = collect(
        sub,
        [&] {
            busA.publish(callEvent("rpc.server", "echo", ++ref));
            busB.publish(callEvent("rpc.client", "echo", ref));
        },
        [](const std::vector<Event>& g) {
            return countOf(g, "rpc-serve") >= 5 && countOf(g, "rpc-call") >= 5;
        });
    QVERIFY(countOf(got, "rpc-serve") >= 5);
    QVERIFY(countOf(got, "rpc-call") >= 5);
    for (const Event& e : got) {
        const auto& p = e.meta["process"];
        const std::string prog = p.value("program", "");
        QCOMPARE(QString::fromStdString(e.source),
                 prog == "rpc-serve" ? QStringLiteral("rpc.server") : QStringLiteral("rpc.client"));
        QVERIFY(p.value("tap", "") == (prog == "rpc-serve" ? a->toString() : b->toString()));
        if (prog == "rpc-serve") {
            QCOMPARE(p.value("service_id", ""), std::string("echo-1"));
            QCOMPARE(p.value("pid", 0L), 90001L);
            QVERIFY(!p.contains("node"));
        } else {
            QCOMPARE(p.value("node", ""), std::string("node-b"));
        }
        // The record the console keeps says where it came from.
        const RpcRecord r = RpcRecord::fromEvent(e);
        QVERIFY(r.process == prog + "[" + (prog == "rpc-serve" ? "90001" : "90002") + "]");
        QVERIFY(e.timeUs > 0 && e.seq > 0);
    }
    const auto states = sub.taps();
    QCOMPARE(states.size(), size_t(2));
    QVERIFY(states[0].connected && states[1].connected);
    QCOMPARE(states[0].program, std::string("rpc-serve"));
    QCOMPARE(states[1].node, std::string("node-b"));
    QVERIFY(states[0].events >= 5);
    // Targets that go away are let go.
    sub.setTargets({{b->toString(), {"caller"}, {}}});
    QTRY_VERIFY_WITH_TIMEOUT(tapA.subscriberCount() == 0, 20000);
    QCOMPARE(sub.taps().size(), size_t(1));
}

void TestTapSubscriber::pushesFilterDown() {
    InProcessBus bus;
    TapServer tap(optionsFor(bus, "rpc-serve", 90003));
    auto a = tap.start();
    QVERIFY(a.ok());
    TapSubscriber::Options o;
    o.skipOwnProcess = false;
    o.filter = "fun == echo";
    o.sources = "rpc";
    TapSubscriber sub(o);
    sub.setTargets({{a->toString(), {"x"}, {}}});
    uint64_t ref = 0;
    auto got = collect(
        sub,
        [&] {
            bus.publish(callEvent("rpc.server", "echo", ++ref));
            bus.publish(callEvent("rpc.server", "sleep", ++ref));
            Event other;
            other.source = "mesh";
            other.name = "start";
            bus.publish(other);
        },
        [](const std::vector<Event>& g) { return g.size() >= 10; });
    QVERIFY(got.size() >= 10);
    for (const Event& e : got)
        QCOMPARE(e.meta.value("fun_name", ""), std::string("echo"));
    // A new selection reconnects every tap with it.
    sub.setSelection("fun == sleep", "rpc");
    QDeadlineTimer deadline(30000);
    std::vector<Event> later;
    size_t sleeps = 0;
    while (!deadline.hasExpired() && sleeps < 5) {
        bus.publish(callEvent("rpc.server", "echo", ++ref));
        bus.publish(callEvent("rpc.server", "sleep", ++ref));
        later.clear();
        sub.drain(later);
        for (const Event& e : later)
            sleeps += e.meta.value("fun_name", "") == "sleep" ? 1 : 0;
        QTest::qWait(20);
    }
    QVERIFY(sleeps >= 5);
}

void TestTapSubscriber::reconnectsAfterTapRestart() {
    InProcessBus bus;
    auto first = std::make_unique<TapServer>(optionsFor(bus, "rpc-serve", 90004));
    auto a = first->start();
    QVERIFY(a.ok());
    TapSubscriber::Options o;
    o.skipOwnProcess = false;
    o.backoffMin = std::chrono::milliseconds(50);
    o.backoffMax = std::chrono::milliseconds(400);
    TapSubscriber sub(o);
    sub.setTargets({{a->toString(), {"x"}, {}}});
    uint64_t ref = 0;
    auto got = collect(
        sub, [&] { bus.publish(callEvent("rpc.server", "echo", ++ref)); },
        [](const std::vector<Event>& g) { return !g.empty(); });
    QVERIFY(!got.empty());
    first.reset();  // the process "restarts": its tap goes away...
    QTRY_VERIFY_WITH_TIMEOUT(!sub.taps().at(0).connected, 20000);
    QVERIFY(!sub.taps().at(0).lastError.empty());
    auto opts = optionsFor(bus, "rpc-serve", 90005);
    opts.listen = *a;  // ...and comes back on the same address
    TapServer second(opts);
    QDeadlineTimer deadline(30000);
    Result<net::Address> again = second.start();
    while (!again.ok() && !deadline.hasExpired()) {
        QTest::qWait(100);  // the old socket may linger a moment
        again = second.start();
    }
    QVERIFY(again.ok());
    std::vector<Event> stale;
    sub.drain(stale);  // what the first tap sent before it went
    got = collect(
        sub, [&] { bus.publish(callEvent("rpc.server", "echo", ++ref)); },
        [](const std::vector<Event>& g) { return !g.empty(); });
    QVERIFY(!got.empty());
    for (const Event& e : got)
        QCOMPARE(e.meta["process"].value("pid", 0L), 90005L);
    const auto state = sub.taps().at(0);
    QVERIFY(state.connected);
    QCOMPARE(state.connects, 2);
}

void TestTapSubscriber::leavesOwnProcessToLocalBus() {
    InProcessBus bus;
    TapServer tap([&] {
        TapServer::Options opt;
        opt.bus = &bus;
        opt.process = TapProcess::current("meshx-console");
        return opt;
    }());
    auto a = tap.start();
    QVERIFY(a.ok());
    TapSubscriber sub(TapSubscriber::Options{});
    sub.setTargets({{a->toString(), {"me"}, {}}});
    QTRY_VERIFY_WITH_TIMEOUT(sub.taps().size() == 1 && sub.taps()[0].ownProcess, 20000);
    bus.publish(callEvent("rpc.server", "echo", 1));
    QTRY_COMPARE_WITH_TIMEOUT(tap.subscriberCount(), size_t(0), 20000);
    std::vector<Event> none;
    QCOMPARE(sub.drain(none), size_t(0));
}

void TestTapSubscriber::discoveryReadsMeta() {
    const std::vector<TapAdvert> adverts = {
        {"echo-1", "echo", "", {{kTapMetaKey, "tcp://127.0.0.1:4001"}}},
        {"echo-1-sidecar-proxy", "echo-sidecar-proxy", "", {{kTapMetaKey, "unix:///tmp/s.sock"}}},
        {"both", "other", "", {{kTapMetaKey, "tcp://127.0.0.1:4001"}}},  // same process
        {"plain", "plain", "", {}},
        {"empty", "plain", "", {{kTapMetaKey, ""}}},
        {"far-1", "echo", "node-2", {{kTapMetaKey, "tcp://10.0.0.7:4001"}}, "10.0.0.7"},
        // Host-local on a remote host: listed as unreachable, never dialled.
        {"far-2", "echo", "node-2", {{kTapMetaKey, "tcp://127.0.0.1:4009"}}, "10.0.0.7"},
        {"far-3", "echo", "node-2", {{kTapMetaKey, "unix:///run/x.sock"}}, "10.0.0.7"},
        // Host-local on a node whose own address is loopback: that node is this host.
        {"near-1", "echo", "node-3", {{kTapMetaKey, "tcp://127.0.0.3:4010"}}, "127.0.0.3"},
    };
    const auto t = tapTargets(adverts);
    QCOMPARE(t.size(), size_t(6));
    QCOMPARE(t[0].address, std::string("tcp://127.0.0.1:4001"));
    QCOMPARE(t[0].services, (std::vector<std::string>{"echo-1", "both"}));
    QVERIFY(t[0].unreachable.empty());
    QCOMPARE(t[1].address, std::string("unix:///tmp/s.sock"));
    QCOMPARE(t[2].address, std::string("tcp://10.0.0.7:4001"));
    QCOMPARE(t[2].node, std::string("node-2"));
    QVERIFY(t[2].unreachable.empty());
    QCOMPARE(t[3].address, std::string("tcp://127.0.0.1:4009"));
    QCOMPARE(t[3].services, std::vector<std::string>{"far-2"});
    QVERIFY2(t[3].unreachable.find("node-2 (10.0.0.7)") != std::string::npos,
             t[3].unreachable.c_str());
    QCOMPARE(t[4].address, std::string("unix:///run/x.sock"));
    QVERIFY(!t[4].unreachable.empty());
    QCOMPARE(t[5].address, std::string("tcp://127.0.0.3:4010"));
    QCOMPARE(t[5].node, std::string("node-3"));
    QVERIFY(t[5].unreachable.empty());
    QVERIFY(isHostLocalAddress("tcp://127.0.0.2:1"));
    QVERIFY(isHostLocalAddress("[::1]:80"));
    QVERIFY(!isHostLocalAddress("tcp://10.127.0.1:80"));  // "127." inside is not loopback
}

void TestTapSubscriber::flowAndGraph() {
    // A refused flow as a sidecar's tap sends it (docs/taps.md), through the subscriber's parser.
    const std::string line =
        R"({"type":"event","seq":9,"time_us":1000000,"source":"proxy.flow","name":"refused",)"
        R"("metrics":{"time":{"duration":1500}},)"
        R"("meta":{"flow_ref":4,"direction":"inbound","service":"echo","src":"127.0.0.1:5123",)"
        R"("dst":"127.0.0.1:21000","peer_id":"spiffe://t/ns/default/dc/dc1/svc/web",)"
        R"x("intention":"Matched L4 intention: web => echo (ID: 5f, Precedence: 9, Action: DENY)",)x"
        R"("result":"refused","reason":"denied: Matched L4 intention"},)"
        R"("process":{"pid":77,"program":"meshx-proxy","service_id":"echo-1-sidecar-proxy"}})";
    Event e;
    QVERIFY(TapSubscriber::eventFromLine(line, "unix:///s", e));
    QVERIFY(FlowRecord::isFlow(e));
    const FlowRecord f = FlowRecord::fromEvent(e);
    QCOMPARE(f.process, std::string("meshx-proxy[77]"));
    QCOMPARE(f.proxyService, std::string("echo-1-sidecar-proxy"));
    QCOMPARE(f.caller(), std::string("web"));
    QCOMPARE(f.flowRef, uint64_t(4));
    QVERIFY(f.inbound());
    QVERIFY(f.denied());
    QCOMPARE(f.durationUs, int64_t(1500));
    Event closed = e;
    closed.name = "closed";
    closed.meta["result"] = "ok";
    closed.meta["reason"] = "completed";
    closed.metrics = {{"bytes", {{"to_upstream", 40}, {"to_downstream", 38}}}};
    const FlowRecord c = FlowRecord::fromEvent(closed);
    QVERIFY(!c.denied());
    QCOMPARE(c.bytesToUpstream + c.bytesToDownstream, int64_t(78));

    ServiceGraph g;
    g.setServiceNames({{"echo-1", "echo"}, {"echo-2", "echo"}, {"echo-1-sidecar-proxy", "echo"}});
    g.addFlow(f);
    g.addFlow(c);  // bytes, not another flow
    // 20 calls in 2 s from web's client to two echo instances, one failing.
    for (int i = 0; i < 20; ++i) {
        RpcRecord r;
        r.source = "rpc.client";
        r.event = "call";
        r.timeUs = 1'000'000 + i * 100'000;
        r.result = i == 7 ? "error: boom" : "ok";
        r.remoteSvc = i % 2 ? "echo-1" : "echo-2";
        r.service = "web-1";
        r.tRecv = i == 19 ? 9000 : 1000;
        g.addCall(r);
    }
    g.setServiceNames({{"echo-1", "echo"},
                       {"echo-2", "echo"},
                       {"echo-1-sidecar-proxy", "echo"},
                       {"web-1", "web"}});
    RpcRecord late;
    late.source = "rpc.client";
    late.event = "call";
    late.timeUs = 3'000'000;
    late.result = "ok";
    late.remoteSvc = "echo-1";
    late.service = "web-1";
    g.addCall(late);
    const auto s = g.snapshot(3'000'000);
    // web-1 (before its name was known) -> echo, web -> echo (flows and the late call).
    const ServiceGraph::Edge* calls = nullptr;
    const ServiceGraph::Edge* web = nullptr;
    for (const auto& edge : s.edges) {
        if (edge.from == "web-1" && edge.to == "echo")
            calls = &edge;
        if (edge.from == "web" && edge.to == "echo")
            web = &edge;
    }
    QVERIFY(calls != nullptr && web != nullptr);
    QCOMPARE(calls->calls, uint64_t(20));
    QCOMPARE(calls->errors, uint64_t(1));
    QVERIFY(qAbs(calls->errorRate - 0.05) < 1e-9);
    QCOMPARE(calls->p99Us, int64_t(9000));
    QVERIFY2(calls->callsPerSec > 9 && calls->callsPerSec < 11,
             qPrintable(QString::number(calls->callsPerSec)));
    QVERIFY(calls->filter.find("remote.svc_ref == \"echo-") != std::string::npos);
    QCOMPARE(web->denied, uint64_t(1));
    QCOMPARE(web->flows, uint64_t(1));
    QCOMPARE(web->calls, uint64_t(1));
    QVERIFY(web->lastDenial.find("Action: DENY") != std::string::npos);
    QCOMPARE(web->bytes, int64_t(78));
    // The edge filter parses in the console's language.
    QVERIFY(EventFilter::parse(web->filter).ok());
    QVERIFY(EventFilter::parse(web->filter)->matches(late));
}

QTEST_GUILESS_MAIN(TestTapSubscriber)
#include "test_tap_subscriber.moc"
