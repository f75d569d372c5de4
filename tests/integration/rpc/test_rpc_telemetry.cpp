// Telemetry of a real call: hsk and call events from both sides on a bus of our own, with
// blocks, sizes and times; the dev-logger style printer; and no shared key anywhere.

#include <thread>

#include "meshx_test.h"
#include "rpc/rpc_client_pool.h"
#include "rpc/rpc_server.h"
#include "rpc/telemetry_printer.h"
#include "telemetry/in_process_bus.h"

using namespace meshx::rpc;
using namespace std::chrono_literals;

class TestRpcTelemetry : public QObject {
    Q_OBJECT

  private slots:
    void callEventsCarryMetricsAndNoKey();
    void printerLooksLikeTheDevLogger();
    void jsonCallsReportSerAndDserTimes();
};

void TestRpcTelemetry::callEventsCarryMetricsAndNoKey() {
    meshx::telemetry::InProcessBus bus;
    auto sub = bus.subscribe(10000);
    const std::string key = "s3cret-shared-key";

    RpcServerOptions so;
    so.address = meshx::net::Address::tcp("127.0.0.1", 0);
    so.id = "Tel.Server";
    so.sharedKey = key;
    so.blkMaxSize = 500;
    so.bus = &bus;
    RpcServer server(so);
    QVERIFY(
        server.add("echo", [](Payload&& p) -> RpcResult<Payload> { return std::move(p); }).ok());
    QVERIFY(server.start().ok());

    RpcClientOptions co;
    co.address = server.address();
    co.id = "Tel.Client";
    co.sharedKey = key;
    co.blkMaxSize = 500;
    co.size = 1;
    co.bus = &bus;
    RpcClientPool pool(co);
    QVERIFY(pool.start().ok());
    Payload arg;
    arg.bytes.assign(2000, 'x');
    QVERIFY(pool.call("echo", arg).ok());
    QVERIFY(!pool.call("missing", arg).ok());

    std::vector<meshx::telemetry::Event> events;
    bool sawClientCall = false, sawServerCall = false, sawHsk = false, sawUndef = false;
    bool keyLeaked = false, metricsOk = true;
    // Drains what arrived so far and reports whether every expected event was seen.
    auto scan = [&]() -> bool {
        sub->drain(events);
        for (const auto& e : events) {
            if (e.meta.dump().find(key) != std::string::npos ||
                e.metrics.dump().find(key) != std::string::npos) {
                keyLeaked = true;
            }
            if (e.name == "hsk" && e.meta["result"] == "ok")
                sawHsk = true;
            if (e.name == "call" && e.meta.value("fun_name", "") == "echo" &&
                e.meta["result"] == "ok") {
                // 2000 bytes in blocks of at most 500: at least 5 blocks each way.
                metricsOk = metricsOk && e.metrics["blocks"]["send"].get<int>() >= 5 &&
                            e.metrics["blocks"]["recv"].get<int>() >= 5 &&
                            e.metrics["size"]["send"].get<int>() > 2000 &&
                            e.meta.contains("req_ref") &&
                            !e.meta["remote"]["conn_ref"].get<std::string>().empty() &&
                            e.metrics["time"]["recv"].get<int64_t>() >= 0;
                if (e.source == "rpc.client")
                    sawClientCall = true;
                if (e.source == "rpc.server")
                    sawServerCall = true;
            }
            if (e.name == "call" &&
                e.meta["result"].get<std::string>().find("undef") != std::string::npos) {
                sawUndef = true;
            }
        }
        events.clear();
        return sawClientCall && sawServerCall && sawHsk && sawUndef;
    };
    QTRY_VERIFY_WITH_TIMEOUT(scan(), 5000);
    QVERIFY(metricsOk);
    QVERIFY(!keyLeaked);
}

void TestRpcTelemetry::printerLooksLikeTheDevLogger() {
    meshx::telemetry::Event e;
    e.source = "rpc.client";
    e.name = "call";
    e.meta = {
        {"prefix", {"meshx_rpc", "Demo.C"}},
        {"fun_name", "echo"},
        {"result", "ok"},
        {"hsk_ref", 386},
        {"req_ref", 243},
        {"state", "recv"},
        {"address", "tcp://127.0.0.1:41001"},
        {"local", {{"conn_ref", "NJeJWw"}, {"node_ref", "nonode@nohost"}, {"svc_ref", "Demo.C"}}},
        {"remote", nlohmann::json::object()}};
    e.metrics = {{"blocks", {{"send", 1}, {"recv", 1}}},
                 {"size", {{"send", 34}, {"recv", 1234567}}},
                 {"time", {{"send", 31}, {"recv", 381}, {"idle", 12500}, {"ser", 0}}}};
    const std::string text = TelemetryPrinter::format(e);
    QVERIFY(text.rfind("[meshx_rpc, Demo.C, call, echo] -> ok\n", 0) == 0);
    QVERIFY(text.find("t_req: 0.412 ms [send: 0.031, recv: 0.381]") != std::string::npos);
    QVERIFY(text.find("t_idle: 12.500 ms") != std::string::npos);
    QVERIFY(text.find("size: [send: 34B, recv: 1.235MB]") != std::string::npos);
    QVERIFY(text.find("blocks: [send: 1, recv: 1]") != std::string::npos);
    QCOMPARE(TelemetryPrinter::prettyBytes(999), std::string("999B"));
    QCOMPARE(TelemetryPrinter::prettyBytes(40000), std::string("40.0KB"));
}

// A value call (callJson -> addJson): the client's event has the time it spent serializing the
// argument, the server's the time it spent decoding it and encoding the result (taken out of exec).
void TestRpcTelemetry::jsonCallsReportSerAndDserTimes() {
    meshx::telemetry::InProcessBus bus;
    auto sub = bus.subscribe(10000);
    RpcServerOptions so;
    so.address = meshx::net::Address::tcp("127.0.0.1", 0);
    so.id = "Ser.Server";
    so.serializer = "json";
    so.bus = &bus;
    RpcServer server(so);
    QVERIFY(server
                .addJson("count",
                         [](const nlohmann::json& v) -> RpcResult<nlohmann::json> {
                             return nlohmann::json::array({v.size(), v});
                         })
                .ok());
    QVERIFY(server.start().ok());
    RpcClientOptions co;
    co.address = server.address();
    co.id = "Ser.Client";
    co.serializer = "json";
    co.size = 1;
    co.bus = &bus;
    RpcClientPool pool(co);
    QVERIFY(pool.start().ok());
    nlohmann::json big = nlohmann::json::array();
    for (int i = 0; i < 20000; ++i)
        big.push_back({{"i", i}, {"s", "x"}});
    auto r = pool.callJson("count", big);
    QVERIFY2(r.ok(), r.ok() ? "" : r.error().toString().c_str());
    QCOMPARE((*r)[0], nlohmann::json(20000));

    std::vector<meshx::telemetry::Event> events;
    bool client = false, serverSide = false;
    auto scan = [&]() -> bool {
        sub->drain(events);
        for (const auto& e : events) {
            if (e.name != "call" || e.meta.value("fun_name", "") != "count")
                continue;
            const auto& t = e.metrics["time"];
            if (e.source == "rpc.client" && t["ser"].get<int64_t>() > 0)
                client = true;
            if (e.source == "rpc.server" && t["dser"].get<int64_t>() > 0 &&
                t["ser"].get<int64_t>() > 0 && t["exec"].get<int64_t>() >= 0)
                serverSide = true;
        }
        events.clear();
        return client && serverSide;
    };
    QTRY_VERIFY_WITH_TIMEOUT(scan(), 5000);
}

QTEST_GUILESS_MAIN(TestRpcTelemetry)
#include "test_rpc_telemetry.moc"
