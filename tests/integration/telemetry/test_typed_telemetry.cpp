// Real RPC calls (RpcServer and RpcClientPool over 127.0.0.1) publish typed events; this checks
// them at every edge a program has without the console: a tap stream read over loopback (each
// line must equal the line the event's JSON would give), a JSON-lines and a CSV file written by
// FileExporter, and Prometheus text from PrometheusExporter scraped over HTTP from
// PrometheusEndpoint. Headless: no widget is linked.

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <future>

#include <QDeadlineTimer>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

#include "rpc/rpc_client_pool.h"
#include "rpc/rpc_server.h"
#include "telemetry/event_json.h"
#include "telemetry/export/file_exporter.h"
#include "telemetry/export/prometheus_endpoint.h"
#include "telemetry/export/prometheus_exporter.h"
#include "telemetry/in_process_bus.h"
#include "telemetry/tap/tap_client.h"
#include "telemetry/tap/tap_lines.h"
#include "telemetry/tap/tap_server.h"

using namespace meshx;
using namespace meshx::rpc;
using namespace meshx::telemetry;
using nlohmann::json;

namespace {

constexpr int kCalls = 20;

// A server and a one-worker pool publishing on `bus`, `kCalls` echo calls made by run().
struct EchoPair {
    explicit EchoPair(TelemetryBus& bus) {
        RpcServerOptions so;
        so.address = net::Address::tcp("127.0.0.1", 0);
        so.id = "Typed.Server";
        so.bus = &bus;
        server = std::make_unique<RpcServer>(so);
        ok = server->add("echo", [](Payload&& p) -> RpcResult<Payload> { return std::move(p); })
                 .ok() &&
             server->start().ok();
        RpcClientOptions co;
        co.address = server->address();
        co.id = "Typed.Client";
        co.size = 1;
        co.bus = &bus;
        pool = std::make_unique<RpcClientPool>(co);
        ok = ok && pool->start().ok();
    }
    bool run() {
        Payload arg;
        arg.bytes.assign(64, 'x');
        for (int i = 0; i < kCalls; ++i) {
            if (!pool->call("echo", arg).ok())
                return false;
        }
        return true;
    }
    std::unique_ptr<RpcServer> server;
    std::unique_ptr<RpcClientPool> pool;
    bool ok = false;
};

// GET /metrics with a plain blocking socket on a thread of its own (the endpoint answers from
// this thread's event loop, which QTRY keeps running meanwhile).
std::future<QByteArray> scrape(quint16 port) {
    return std::async(std::launch::async, [port] {
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        QByteArray all;
        timeval tv{10, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
            const char req[] = "GET /metrics HTTP/1.0\r\n\r\n";
            if (::send(fd, req, sizeof req - 1, MSG_NOSIGNAL) == ssize_t(sizeof req - 1)) {
                char buf[4096];
                ssize_t n;
                while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0)
                    all.append(buf, qsizetype(n));
            }
        }
        ::close(fd);
        return all;
    });
}

}  // namespace

class TestTypedTelemetry : public QObject {
    Q_OBJECT

  private slots:
    void tapLinesOfRealCallsAreTheEventsJson();
    void fileExporterWritesJsonLinesAndCsv();
    void prometheusExporterServesExactCounts();
};

void TestTypedTelemetry::tapLinesOfRealCallsAreTheEventsJson() {
    InProcessBus bus;
    auto probe = bus.subscribe(4096);  // the same events, read as structs
    TapServer::Options to;
    to.bus = &bus;
    to.process.pid = 4242;
    to.process.program = "typed-test";
    TapServer tap(to);
    auto addr = tap.start();
    QVERIFY(addr.ok());
    auto client = TapClient::connect(*addr, {"", "rpc", ""}, std::chrono::seconds(5));
    QVERIFY(client.ok());
    QTRY_COMPARE_WITH_TIMEOUT(tap.subscriberCount(), size_t(1), 10000);

    EchoPair pair(bus);
    QVERIFY(pair.ok);
    QVERIFY(pair.run());

    // The probe's events are typed (no JSON built on the call thread).
    std::vector<Event> events;
    auto callsIn = [&events] {
        return std::count_if(events.begin(), events.end(),
                             [](const Event& e) { return e.name == "call"; });
    };
    QTRY_VERIFY_WITH_TIMEOUT((probe->drainTyped(events), callsIn() >= 2 * kCalls), 10000);
    int typedCalls = 0;
    std::map<uint64_t, std::string> expected;  // seq -> the line the event's JSON gives
    const std::string processJson = R"({"pid":4242,"program":"typed-test"})";
    for (Event& e : events) {
        QVERIFY2(e.rpc() != nullptr, e.name.c_str());
        QVERIFY(e.jsonPending());
        typedCalls += e.name == "call" ? 1 : 0;
        event_json::materialize(e);
        e.payload = std::monostate{};
        std::string line;
        tap_lines::appendEvent(line, e, processJson);
        expected[e.seq] = line;
    }
    QVERIFY(typedCalls >= 2 * kCalls);

    // Every event line of the tap equals that line, byte for byte.
    std::map<uint64_t, std::string> got;
    QDeadlineTimer deadline(20000);
    auto missing = [&] {
        for (const auto& kv : expected) {
            if (got.count(kv.first) == 0)
                return true;
        }
        return false;
    };
    while (!deadline.hasExpired() && missing()) {
        pollfd p{client->fd(), POLLIN, 0};
        ::poll(&p, 1, 100);
        std::vector<std::string> lines;
        const auto st = client->readAvailable(lines);
        for (const auto& l : lines) {
            const json j = json::parse(l);
            if (j["type"] == "event")
                got[j["seq"].get<uint64_t>()] = l + "\n";
        }
        QVERIFY(st.ok());
    }
    QVERIFY(!missing());
    for (const auto& [seq, line] : expected)
        QCOMPARE(got[seq], line);
    tap.stop();
}

void TestTypedTelemetry::fileExporterWritesJsonLinesAndCsv() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    InProcessBus bus;
    FileExporter::Options jo;
    jo.path = dir.filePath(QStringLiteral("rpc.jsonl")).toStdString();
    jo.bus = &bus;
    FileExporter jsonl(jo);
    QVERIFY(jsonl.start().ok());
    FileExporter::Options co;
    co.path = dir.filePath(QStringLiteral("rpc.csv")).toStdString();
    co.format = FileExporter::Format::Csv;
    co.fields = {"source", "event", "fun", "result", "t.ser", "size.send"};
    co.bus = &bus;
    FileExporter csv(co);
    QVERIFY(csv.start().ok());
    FileExporter::Options bad = co;
    bad.fields = {"no.such.field"};
    QCOMPARE(FileExporter(bad).start().error().code, Code::InvalidArgument);

    EchoPair pair(bus);
    QVERIFY(pair.ok);
    QVERIFY(pair.run());
    const uint64_t published = 2 * kCalls;  // at least: call events of both ends
    QTRY_VERIFY_WITH_TIMEOUT(jsonl.written() >= published && csv.written() >= published, 10000);
    jsonl.stop();
    csv.stop();
    QCOMPARE(jsonl.dropped(), uint64_t(0));

    QFile jf(QString::fromStdString(jo.path));
    QVERIFY(jf.open(QIODevice::ReadOnly));
    int calls = 0;
    for (const QByteArray& row : jf.readAll().split('\n')) {
        if (row.isEmpty())
            continue;
        const json j = json::parse(row.toStdString());
        if (j["event"] == "call") {
            ++calls;
            QCOMPARE(j["meta"]["fun_name"].get<std::string>(), std::string("echo"));
            QVERIFY(j.at("metrics").at("time").contains("ser"));
        }
    }
    QCOMPARE(calls, 2 * kCalls);

    QFile cf(QString::fromStdString(co.path));
    QVERIFY(cf.open(QIODevice::ReadOnly));
    const QList<QByteArray> rows = cf.readAll().split('\n');
    QCOMPARE(rows[0], QByteArray("source,event,fun,result,t.ser,size.send"));
    int csvCalls = 0;
    for (const QByteArray& row : rows) {
        const QList<QByteArray> cells = row.split(',');
        if (cells.size() == 6 && cells[1] == "call") {
            ++csvCalls;
            QCOMPARE(cells[2], QByteArray("echo"));
            QCOMPARE(cells[3], QByteArray("ok"));
            bool isNumber = false;
            cells[4].toDouble(&isNumber);  // fractional microseconds, e.g. 0.412
            QVERIFY(isNumber);
        }
    }
    QCOMPARE(csvCalls, 2 * kCalls);
}

void TestTypedTelemetry::prometheusExporterServesExactCounts() {
    InProcessBus bus;
    PrometheusExporter exporter({&bus, 65536, std::chrono::milliseconds(50)});
    exporter.start();
    PrometheusEndpoint endpoint([&exporter] { return exporter.render(); });
    QVERIFY(endpoint.start(0).ok());

    EchoPair pair(bus);
    QVERIFY(pair.ok);
    QVERIFY(pair.run());
    QTRY_COMPARE_WITH_TIMEOUT(exporter.requests(), uint64_t(2 * kCalls), 10000);

    std::future<QByteArray> pending = scrape(endpoint.port());
    QTRY_VERIFY_WITH_TIMEOUT(pending.wait_for(std::chrono::seconds(0)) == std::future_status::ready,
                             15000);
    const QByteArray answer = pending.get();
    QVERIFY2(answer.startsWith("HTTP/1.0 200"), answer.left(200).constData());
    const QByteArray client =
        "meshx_rpc_requests_total{source=\"rpc.client\",fun=\"echo\",instance=\"Typed.Server/";
    QVERIFY2(answer.contains(client), answer.constData());
    // Exactly kCalls per side, ok.
    for (const char* source : {"rpc.client", "rpc.server"}) {
        bool found = false;
        for (const QByteArray& line : answer.split('\n')) {
            if (line.startsWith("meshx_rpc_requests_total{source=\"" + QByteArray(source)) &&
                line.contains("result=\"ok\"")) {
                QCOMPARE(line.mid(line.lastIndexOf(' ') + 1).toInt(), kCalls);
                found = true;
            }
        }
        QVERIFY2(found, source);
    }
    QCOMPARE(endpoint.scrapes(), 1);
    exporter.stop();
    QCOMPARE(exporter.dropped(), uint64_t(0));
}

QTEST_GUILESS_MAIN(TestTypedTelemetry)
#include "test_typed_telemetry.moc"
