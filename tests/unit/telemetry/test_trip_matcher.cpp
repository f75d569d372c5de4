// TripMatcher (core/telemetry/watch/trip_matcher.h): a request's two RPC ends and the two
// sidecar turns that carried it, paired by connection address and turn number, from records as
// the console reads them off taps (JSON lines). The cross-process run is in
// tests/gui/live/test_mesh_watch.cpp; here the pairing rules, each with a decoy it must skip.

#include <QtTest>

#include <nlohmann/json.hpp>

#include "telemetry/watch/trip_matcher.h"

using namespace meshx::telemetry;
using nlohmann::json;

namespace {

constexpr int64_t kT0 = 1796553662000000;  // microseconds since the epoch

RpcRecord clientCall() {
    RpcRecord c;
    c.source = "rpc.client";
    c.event = "call";
    c.kind = "call";
    c.fun = "echo";
    c.result = "ok";
    c.reqRef = 7;
    c.localConn = "AAAA";
    c.remoteSvc = "echo-1";
    c.service = "web-1";
    c.localAddress = "127.0.0.1:50000";
    c.turn = 3;
    c.timeUs = kT0;
    c.tSer = 1;
    c.tSend = 10;
    c.tRecv = 900;
    c.tDser = 1;
    return c;
}

RpcRecord serverCall() {
    RpcRecord s;
    s.source = "rpc.server";
    s.event = "call";
    s.kind = "call";
    s.fun = "echo";
    s.result = "ok";
    s.reqRef = 7;
    s.remoteConn = "AAAA";
    s.localSvc = "echo-1";
    s.service = "echo-1";
    s.address = "tcp://127.0.0.1:21000";
    s.peerAddress = "127.0.0.1:40112";
    s.turn = 3;
    s.timeUs = kT0 - 200;
    return s;
}

// A sidecar's turn event as a tap line carries it.
FlowRecord turnEvent(const char* direction, const char* sidecar, const std::string& src,
                     const std::string& dstLocal, uint64_t turn, int64_t timeUs, int64_t requestNs,
                     int64_t waitNs, int64_t answerNs) {
    Event e;
    e.source = "proxy.flow";
    e.name = "turn";
    e.timeUs = timeUs;
    e.meta = {{"flow_ref", 5},
              {"direction", direction},
              {"service", "echo"},
              {"src", src},
              {"dst", std::string(direction) == "inbound" ? "127.0.0.1:21000" : "127.0.0.1:21001"},
              {"dst_local", dstLocal},
              {"result", "ok"},
              {"turn", turn},
              {"process", {{"pid", 42}, {"program", "meshx-proxy"}, {"service_id", sidecar}}}};
    e.metrics = {{"bytes", {{"to_upstream", 40}, {"to_downstream", 38}}},
                 {"time_ns", {{"request", requestNs}, {"wait", waitNs}, {"answer", answerNs}}}};
    return FlowRecord::fromEvent(e);
}

FlowRecord clientTurn(uint64_t turn = 3, int64_t timeUs = kT0 + 500,
                      const std::string& dstLocal = "127.0.0.1:60000") {
    return turnEvent("outbound", "web-1-sidecar-proxy", "127.0.0.1:50000", dstLocal, turn, timeUs,
                     10000, 800000, 8000);
}

FlowRecord providerTurn(const std::string& src = "127.0.0.1:60000") {
    return turnEvent("inbound", "echo-1-sidecar-proxy", src, "127.0.0.1:40112", 3, kT0 + 300, 9000,
                     700000, 7000);
}

}  // namespace

class TestTripMatcher : public QObject {
    Q_OBJECT

  private slots:
    void turnRecordReadsTheTapLine();
    void pairsBothTurnsByConnectionAndNumber();
    void skipsOtherTurnsAndReusedPorts();
    void turnsOfTwoConnectionsAreRejected();
    void saysWhyWithoutTurns();
};

void TestTripMatcher::turnRecordReadsTheTapLine() {
    const FlowRecord t = clientTurn();
    QVERIFY(t.isTurn());
    QCOMPARE(t.turn, uint64_t(3));
    QCOMPARE(t.src, std::string("127.0.0.1:50000"));
    QCOMPARE(t.dstLocal, std::string("127.0.0.1:60000"));
    QCOMPARE(t.requestNs, int64_t(10000));
    QCOMPARE(t.waitNs, int64_t(800000));
    QCOMPARE(t.answerNs, int64_t(8000));
    QCOMPARE(t.bytesToUpstream, int64_t(40));
    QCOMPARE(t.proxyService, std::string("web-1-sidecar-proxy"));
}

void TestTripMatcher::pairsBothTurnsByConnectionAndNumber() {
    const std::deque<RpcRecord> history = {serverCall()};
    const std::deque<FlowRecord> flows = {providerTurn(), clientTurn()};
    const TripMatch m = TripMatcher::match(clientCall(), history, flows);
    QVERIFY(m.complete());
    QVERIFY2(m.hopsMeasured(), m.turnNote.c_str());
    QVERIFY(m.turnNote.empty());
    QCOMPARE(m.clientTurn->proxyService, std::string("web-1-sidecar-proxy"));
    QCOMPARE(m.providerTurn->proxyService, std::string("echo-1-sidecar-proxy"));
    const SidecarHops h = TripMatcher::hops(*m.clientTurn, *m.providerTurn);
    QCOMPARE(h.clientRequestNs, int64_t(10000));
    QCOMPARE(h.providerRequestNs, int64_t(9000));
    QCOMPARE(h.providerWaitNs, int64_t(700000));
    QCOMPARE(h.providerAnswerNs, int64_t(7000));
    QCOMPARE(h.clientAnswerNs, int64_t(8000));
    // The client sidecar waited 800 us, the provider sidecar's turn took 716 us: 84 us between.
    QCOMPARE(h.transitNs, int64_t(84000));
    QCOMPARE(h.relayNs(), int64_t(34000));
    // Picked from the server's end: the same trip.
    const TripMatch fromServer =
        TripMatcher::match(serverCall(), std::deque<RpcRecord>{clientCall()}, flows);
    QVERIFY(fromServer.hopsMeasured());
    QCOMPARE(fromServer.clientTurn->turn, uint64_t(3));
}

void TestTripMatcher::skipsOtherTurnsAndReusedPorts() {
    // The same connection's turn 2 and 4, and turn 3 of an older connection that had the same
    // port an hour ago: none of them is this request.
    const std::deque<FlowRecord> flows = {clientTurn(3, kT0 - 3600'000'000LL, "127.0.0.1:1"),
                                          clientTurn(2, kT0 - 50), clientTurn(4, kT0 + 900),
                                          clientTurn(3, kT0 + 500), providerTurn()};
    const TripMatch m = TripMatcher::match(clientCall(), {serverCall()}, flows);
    QVERIFY(m.hopsMeasured());
    QCOMPARE(m.clientTurn->turn, uint64_t(3));
    QCOMPARE(m.clientTurn->timeUs, kT0 + 500);
    QCOMPARE(m.clientTurn->dstLocal, std::string("127.0.0.1:60000"));
}

void TestTripMatcher::turnsOfTwoConnectionsAreRejected() {
    // The provider sidecar's turn came in on another mTLS connection than the client sidecar
    // dialled: not this request's.
    const std::deque<FlowRecord> flows = {clientTurn(), providerTurn("127.0.0.1:60999")};
    const TripMatch m = TripMatcher::match(clientCall(), {serverCall()}, flows);
    QVERIFY(m.clientTurn.has_value());
    QVERIFY(!m.providerTurn.has_value());
    QVERIFY(!m.hopsMeasured());
    QVERIFY(!m.turnNote.empty());
}

void TestTripMatcher::saysWhyWithoutTurns() {
    const TripMatch off = TripMatcher::match(clientCall(), {serverCall()}, {});
    QVERIFY(off.complete());
    QVERIFY(!off.hopsMeasured());
    QVERIFY2(off.turnNote.find("turn timing off") != std::string::npos, off.turnNote.c_str());
    RpcRecord old = clientCall();
    old.localAddress.clear();
    old.turn = 0;
    const TripMatch older = TripMatcher::match(old, {serverCall()}, {clientTurn(), providerTurn()});
    QVERIFY(!older.clientTurn.has_value());
    QVERIFY2(older.turnNote.find("no connection address") != std::string::npos,
             older.turnNote.c_str());
}

QTEST_GUILESS_MAIN(TestTripMatcher)
#include "test_trip_matcher.moc"
