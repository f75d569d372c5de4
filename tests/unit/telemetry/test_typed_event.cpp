// The typed telemetry event (telemetry/event.h, rpc_event.h) and its JSON edges
// (event_json.h): an RPC event published as a plain struct must read, print and stream exactly
// as the JSON event it replaces (docs/taps.md schema 1), and readers that ask for JSON still get
// it. Every test here fails when the typed path and the documented schema drift apart.

#include <QtTest>

#include <nlohmann/json.hpp>

#include "rpc/telemetry_printer.h"
#include "telemetry/event_json.h"
#include "telemetry/in_process_bus.h"
#include "telemetry/rpc_record.h"
#include "telemetry/tap/tap_lines.h"

using namespace meshx::telemetry;
using nlohmann::json;

namespace {

// A client call event as RpcTelemetry publishes it: sub-microsecond ser, fractional dser, a
// prefix, a remote peer with a binary conn_ref, and a result with characters JSON must escape.
Event typedCall(std::string result = "ok") {
    auto local = std::make_shared<const RpcEndpoint>(RpcEndpoint{
        "tcp://127.0.0.1:41001", {"meshx_rpc", "Demo.C"}, "NJeJWw", "nonode@nohost", "Demo.C"});
    Event e{Event::TypedTag{}};
    e.seq = 17;
    e.timeUs = 1796553662123456;
    e.source = "rpc.client";
    e.name = "call";
    RpcEventData& d = e.payload.emplace<RpcEventData>();
    d.local = local;
    d.state = "recv";
    d.funName = "echo";
    d.result = std::move(result);
    d.hskRef = 386;
    d.reqRef = 243;
    d.hasRemote = true;
    d.remoteConnRaw = std::string("\x6b\xc8\x75\xe0", 4);
    d.remoteNodeRef = "prov@host";
    d.remoteSvcRef = "Demo.Server";
    d.metrics.blocksSend = 1;
    d.metrics.blocksRecv = 2;
    d.metrics.sizeSend = 40;
    d.metrics.sizeRecv = 1234567;
    d.metrics.exec = 0;
    d.metrics.hsk = 0;
    d.metrics.idle = 12500;
    d.metrics.recv = 381;
    d.metrics.send = 31;
    d.metrics.serNs = 412;
    d.metrics.dserNs = 3000;
    return e;
}

// The JSON an RPC call event had before it was typed (docs/taps.md "event"), written out by hand.
json documentedMetrics() {
    return {{"blocks", {{"send", 1}, {"recv", 2}}},
            {"size", {{"send", 40}, {"recv", 1234567}}},
            {"time",
             {{"ser", 0.412},
              {"dser", 3},
              {"exec", 0},
              {"hsk", 0},
              {"idle", 12500},
              {"recv", 381},
              {"send", 31}}},
            {"time_ns", {{"ser", 412}, {"dser", 3000}}}};
}

json documentedMeta(const std::string& result = "ok") {
    return {
        {"address", "tcp://127.0.0.1:41001"},
        {"prefix", {"meshx_rpc", "Demo.C"}},
        {"hsk_ref", 386},
        {"req_ref", 243},
        {"result", result},
        {"state", "recv"},
        {"fun_name", "echo"},
        {"fun_req", "call"},
        {"local", {{"conn_ref", "NJeJWw"}, {"node_ref", "nonode@nohost"}, {"svc_ref", "Demo.C"}}},
        {"remote",
         {{"conn_ref", "a8h14A"}, {"node_ref", "prov@host"}, {"svc_ref", "Demo.Server"}}}};
}

const std::string kProcess = R"({"pid":4242,"program":"rpc-call","service_id":"web-1"})";

}  // namespace

class TestTypedEvent : public QObject {
    Q_OBJECT

  private slots:
    void publishingBuildsNoJson();
    void materializedJsonIsTheDocumentedShape();
    void tapLineOfTypedEventIsTheDocumentedLine();
    void tapLineEscapesLikeNlohmann();
    void recordFromTypedEqualsRecordFromJson();
    void drainMakesJsonDrainTypedDoesNot();
    void printerShowsSubMicrosecondTimes();
    void base64IsUnpaddedStandard();
    void flowEventsAreTheDocumentedJson();
    void turnEventIsTheDocumentedJson();
    void rpcConnectionFieldsAreAdditive();
};

void TestTypedEvent::publishingBuildsNoJson() {
    const Event e = typedCall();
    QVERIFY(e.metrics.is_null());
    QVERIFY(e.meta.is_null());
    QVERIFY(e.jsonPending());
    QVERIFY(e.rpc() != nullptr);
    QVERIFY(!Event{}.jsonPending());  // a plain event is JSON from the start
}

void TestTypedEvent::materializedJsonIsTheDocumentedShape() {
    Event e = typedCall();
    event_json::materialize(e);
    QVERIFY(!e.jsonPending());
    QCOMPARE(e.metrics.dump(), documentedMetrics().dump());
    QCOMPARE(e.meta.dump(), documentedMeta().dump());
    // No peer yet (a failed handshake): remote is an empty object, and no fun/req fields.
    Event bare = typedCall();
    auto& d = std::get<RpcEventData>(bare.payload);
    d.hasRemote = false;
    d.funName.clear();
    d.reqRef.reset();
    event_json::materialize(bare);
    QCOMPARE(bare.meta["remote"].dump(), std::string("{}"));
    QVERIFY(!bare.meta.contains("fun_name") && !bare.meta.contains("fun_req"));
    QVERIFY(!bare.meta.contains("req_ref"));
}

void TestTypedEvent::tapLineOfTypedEventIsTheDocumentedLine() {
    std::string typedLine;
    tap_lines::appendEvent(typedLine, typedCall(), kProcess);

    // The same event as the JSON tree it used to be: the bytes must be identical.
    Event legacy;
    legacy.seq = 17;
    legacy.timeUs = 1796553662123456;
    legacy.source = "rpc.client";
    legacy.name = "call";
    legacy.metrics = documentedMetrics();
    legacy.meta = documentedMeta();
    std::string legacyLine;
    tap_lines::appendEvent(legacyLine, legacy, kProcess);
    QCOMPARE(typedLine, legacyLine);

    // And the line has every field of docs/taps.md "event", with those values.
    QVERIFY(!typedLine.empty() && typedLine.back() == '\n');
    const json j = json::parse(typedLine);
    QCOMPARE(j["type"].get<std::string>(), std::string("event"));
    QCOMPARE(j["seq"].get<uint64_t>(), uint64_t(17));
    QCOMPARE(j["time_us"].get<int64_t>(), int64_t(1796553662123456));
    QCOMPARE(j["time"].get<std::string>(), std::string("2026-12-06T10:41:02.123456Z"));
    QCOMPARE(j["source"].get<std::string>(), std::string("rpc.client"));
    QCOMPARE(j["name"].get<std::string>(), std::string("call"));
    QCOMPARE(j["metrics"]["time"]["ser"].get<double>(), 0.412);
    QCOMPARE(j["metrics"]["time_ns"]["ser"].get<int64_t>(), int64_t(412));
    QCOMPARE(j["meta"]["remote"]["conn_ref"].get<std::string>(), std::string("a8h14A"));
    QCOMPARE(j["meta"]["fun_req"].get<std::string>(), std::string("call"));
    QCOMPARE(j["process"]["service_id"].get<std::string>(), std::string("web-1"));
}

void TestTypedEvent::tapLineEscapesLikeNlohmann() {
    // Quotes, control characters, UTF-8 and invalid UTF-8 in a producer's string: the typed
    // writer must give nlohmann's bytes (invalid sequences replaced), never a broken line.
    for (const std::string& result : {std::string("error: \"bad\"\n\ttab\\"), std::string("ünï ✓"),
                                      std::string("bad \xff\xfe byte"), std::string("\x7f del")}) {
        std::string typedLine;
        tap_lines::appendEvent(typedLine, typedCall(result), kProcess);
        Event legacy = typedCall(result);
        event_json::materialize(legacy);
        std::string legacyLine;
        tap_lines::appendEvent(legacyLine, legacy, kProcess);
        QCOMPARE(typedLine, legacyLine);
        QVERIFY(json::accept(typedLine));
    }
}

void TestTypedEvent::recordFromTypedEqualsRecordFromJson() {
    const Event typed = typedCall();
    Event viaJson = typedCall();
    event_json::materialize(viaJson);
    viaJson.payload = std::monostate{};  // read it as a JSON event from a tap would be
    const RpcRecord a = RpcRecord::fromEvent(typed);
    const RpcRecord b = RpcRecord::fromEvent(viaJson);
    QCOMPARE(a.toJson().dump(), b.toJson().dump());
    QCOMPARE(a.tSerNs, int64_t(412));
    QCOMPARE(a.tSer, int64_t(0));
    QCOMPARE(a.tDserNs, int64_t(3000));
    QCOMPARE(a.remoteConn, std::string("a8h14A"));
    QCOMPARE(a.instance(), std::string("Demo.Server/a8h14A"));
    QCOMPARE(a.kind, std::string("call"));
    QCOMPARE(a.requestUs(), b.requestUs());
    // The record's own JSON keeps the nanoseconds (the console's detail pane and export).
    QCOMPARE(a.toJson()["metrics"]["time"]["ser"].get<double>(), 0.412);
}

void TestTypedEvent::drainMakesJsonDrainTypedDoesNot() {
    InProcessBus bus;
    auto jsonReader = bus.subscribe(16);
    auto typedReader = bus.subscribe(16);
    bus.publish(typedCall());
    std::vector<Event> a, b;
    QCOMPARE(jsonReader->drain(a), size_t(1));
    QCOMPARE(typedReader->drainTyped(b), size_t(1));
    QVERIFY(!a[0].jsonPending());
    QCOMPARE(a[0].meta.value("fun_name", std::string()), std::string("echo"));
    QVERIFY(b[0].jsonPending());
    QVERIFY(b[0].rpc() != nullptr);
    QCOMPARE(b[0].seq, a[0].seq);
}

void TestTypedEvent::printerShowsSubMicrosecondTimes() {
    Event e = typedCall();
    auto& d = std::get<RpcEventData>(e.payload);
    d.metrics.dserNs = 0;
    d.metrics.recv = 0;
    d.metrics.send = 0;
    const std::string typedText = meshx::rpc::TelemetryPrinter::format(e);
    event_json::materialize(e);
    QCOMPARE(typedText, meshx::rpc::TelemetryPrinter::format(e));
    QVERIFY2(typedText.find("[ser: 0.0004]") != std::string::npos, typedText.c_str());
    QVERIFY(typedText.find("remote: conn_ref=a8h14A") != std::string::npos);
}

void TestTypedEvent::base64IsUnpaddedStandard() {
    QCOMPARE(base64Unpadded(""), std::string(""));
    QCOMPARE(base64Unpadded("f"), std::string("Zg"));
    QCOMPARE(base64Unpadded("fo"), std::string("Zm8"));
    QCOMPARE(base64Unpadded("foo"), std::string("Zm9v"));
    QCOMPARE(base64Unpadded(std::string("\xff\xfe\xfd\x00", 4)), std::string("//79AA"));
}

void TestTypedEvent::flowEventsAreTheDocumentedJson() {
    // docs/taps.md "Sidecar flow events": the closed event of the example, typed.
    Event e{Event::TypedTag{}};
    e.seq = 88;
    e.timeUs = 1796553662123456;
    e.source = "proxy.flow";
    e.name = "closed";
    FlowEventData& d = e.payload.emplace<FlowEventData>();
    d.flowRef = 12;
    d.direction = "inbound";
    d.service = "echo";
    d.src = "127.0.0.1:51234";
    d.dst = "127.0.0.1:21000";
    d.peerId = "spiffe://11111111-2222-3333-4444-555555555555.consul/ns/default/dc/dc1/svc/web";
    d.intention = "Matched L4 intention: web => echo (ID: 5f1c, Precedence: 9, Action: ALLOW)";
    d.result = "ok";
    d.reason = "completed";
    d.toUpstream = 1840;
    d.toDownstream = 912;
    d.durationUs = 2051230;
    d.setupUs = 1830;
    const json documented = json::parse(R"J({"type":"event","seq":88,"time_us":1796553662123456,
        "time":"2026-12-06T10:41:02.123456Z","source":"proxy.flow","name":"closed",
        "metrics":{"bytes":{"to_upstream":1840,"to_downstream":912},"size":{"send":1840,"recv":912},
                   "time":{"duration":2051230,"setup":1830}},
        "meta":{"flow_ref":12,"direction":"inbound","service":"echo","src":"127.0.0.1:51234",
                "dst":"127.0.0.1:21000",
                "peer_id":"spiffe://11111111-2222-3333-4444-555555555555.consul/ns/default/dc/dc1/svc/web",
                "intention":"Matched L4 intention: web => echo (ID: 5f1c, Precedence: 9, Action: ALLOW)",
                "result":"ok","reason":"completed"},
        "process":{"pid":4242,"program":"rpc-call","service_id":"web-1"}})J");
    std::string line;
    tap_lines::appendEvent(line, e, kProcess);
    QCOMPARE(json::parse(line).dump(), documented.dump());

    // accepted: result, no reason, time.setup only; refused: reason and time.duration.
    e.name = "accepted";
    Event accepted = e;
    event_json::materialize(accepted);
    QCOMPARE(accepted.metrics.dump(), std::string(R"({"time":{"setup":1830}})"));
    QVERIFY(!accepted.meta.contains("reason"));
    e.name = "refused";
    Event refused = e;
    event_json::materialize(refused);
    QCOMPARE(refused.metrics.dump(), std::string(R"({"time":{"duration":2051230}})"));
    QCOMPARE(refused.meta["reason"].get<std::string>(), std::string("completed"));
}

void TestTypedEvent::turnEventIsTheDocumentedJson() {
    // docs/taps.md "Per-request sidecar hop times": the turn event of the example, typed.
    Event e{Event::TypedTag{}};
    e.seq = 91;
    e.timeUs = 1796553662125012;
    e.source = "proxy.flow";
    e.name = "turn";
    FlowEventData& d = e.payload.emplace<FlowEventData>();
    d.flowRef = 12;
    d.direction = "outbound";
    d.service = "echo";
    d.src = "127.0.0.1:51234";
    d.dst = "127.0.0.1:21001";
    d.dstLocal = "127.0.0.1:40112";
    d.result = "ok";
    d.turn = 3;
    d.toUpstream = 40;
    d.toDownstream = 38;
    d.requestNs = 9873;
    d.waitNs = 412500;
    d.answerNs = 6120;
    const std::string sidecar =
        R"({"pid":4243,"program":"meshx-proxy","service_id":"web-1-sidecar-proxy"})";
    const json documented = json::parse(R"J({"type":"event","seq":91,"time_us":1796553662125012,
        "time":"2026-12-06T10:41:02.125012Z","source":"proxy.flow","name":"turn",
        "metrics":{"bytes":{"to_downstream":38,"to_upstream":40},"size":{"recv":38,"send":40},
                   "time":{"answer":6.12,"request":9.873,"wait":412.5},
                   "time_ns":{"answer":6120,"request":9873,"wait":412500}},
        "meta":{"direction":"outbound","dst":"127.0.0.1:21001","dst_local":"127.0.0.1:40112",
                "flow_ref":12,"result":"ok","service":"echo","src":"127.0.0.1:51234","turn":3},
        "process":{"pid":4243,"program":"meshx-proxy","service_id":"web-1-sidecar-proxy"}})J");
    std::string line;
    tap_lines::appendEvent(line, e, sidecar);
    QCOMPARE(json::parse(line).dump(), documented.dump());
    // Written straight from the struct: the same bytes as the tree's dump.
    Event tree = e;
    event_json::materialize(tree);
    std::string treeLine;
    tap_lines::appendEvent(treeLine, tree, sidecar);
    QCOMPARE(line, treeLine);
    // A turn that ended before its answer (the connection closed): only what was measured.
    d.waitNs = -1;
    d.answerNs = -1;
    d.toDownstream = 0;
    std::string partial;
    tap_lines::appendEvent(partial, e, sidecar);
    Event partialTree = e;
    event_json::materialize(partialTree);
    QCOMPARE(partialTree.metrics["time_ns"].dump(), std::string(R"({"request":9873})"));
    std::string partialTreeLine;
    tap_lines::appendEvent(partialTreeLine, partialTree, sidecar);
    QCOMPARE(partial, partialTreeLine);
    // accepted and closed carry dst_local too, and no turn.
    e.name = "closed";
    Event closed = e;
    event_json::materialize(closed);
    QCOMPARE(closed.meta["dst_local"].get<std::string>(), std::string("127.0.0.1:40112"));
    QVERIFY(!closed.meta.contains("turn"));
    QVERIFY(closed.meta.contains("reason"));
}

void TestTypedEvent::rpcConnectionFieldsAreAdditive() {
    // Without them (unix sockets, older producers) the line is schema 1's exactly (above); with
    // them, meta gains local_address / peer_address / turn, in the same bytes either path.
    Event e = typedCall();
    auto& d = std::get<RpcEventData>(e.payload);
    d.localAddress = "127.0.0.1:51234";
    d.peerAddress = "127.0.0.1:40112";
    d.turn = 3;
    std::string typedLine;
    tap_lines::appendEvent(typedLine, e, kProcess);
    Event tree = e;
    event_json::materialize(tree);
    std::string treeLine;
    tap_lines::appendEvent(treeLine, tree, kProcess);
    QCOMPARE(typedLine, treeLine);
    json expected = documentedMeta();
    expected["local_address"] = "127.0.0.1:51234";
    expected["peer_address"] = "127.0.0.1:40112";
    expected["turn"] = 3;
    QCOMPARE(json::parse(typedLine)["meta"].dump(), expected.dump());
    // The record reads them from either shape.
    Event viaJson = tree;
    viaJson.payload = std::monostate{};
    const RpcRecord a = RpcRecord::fromEvent(e);
    const RpcRecord b = RpcRecord::fromEvent(viaJson);
    QCOMPARE(a.localAddress, std::string("127.0.0.1:51234"));
    QCOMPARE(b.localAddress, a.localAddress);
    QCOMPARE(b.peerAddress, std::string("127.0.0.1:40112"));
    QCOMPARE(a.turn, uint64_t(3));
    QCOMPARE(b.turn, uint64_t(3));
    QCOMPARE(a.toJson().dump(), b.toJson().dump());
}

QTEST_GUILESS_MAIN(TestTypedEvent)
#include "test_typed_event.moc"
