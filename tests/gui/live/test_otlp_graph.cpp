// Issue 18.2: spans received over OTLP make edges in the service graph, not only nodes. A real
// HTTP client (curl, its own process) posts OTLP/HTTP JSON to the console's receiver on
// loopback: first the children (service "payments"), then, in a later request, their parent
// (service "checkout"), as two SDKs exporting on their own schedules do. The telemetry page
// drains the receiver's bus, and the graph shows checkout -> payments with calls/s, error rate
// and p99 from the children; the Service graph table lists it and a click filters the stream.

#include <QDateTime>
#include <QLineEdit>
#include <QProcess>
#include <QTemporaryDir>
#include <QTreeWidget>
#include <QtTest>

#include <nlohmann/json.hpp>

#include "../console_fixture.h"
#include "meshx_test.h"
#include "telemetry/in_process_bus.h"
#include "telemetry/otlp/otlp_receiver.h"
#include "ui/graph/graph_page.h"
#include "ui/telemetry/telemetry_page.h"
#include "ui/telemetry/telemetry_stream_model.h"

using namespace meshx;
using namespace meshx::ui;
using nlohmann::json;

namespace {

constexpr const char* kTrace = "5b8efff798038103d269b633813fc60c";
constexpr const char* kRoot = "eee19b7ec3c1b174";

json span(const std::string& id, const std::string& parent, uint64_t endNs, uint64_t durationNs,
          bool error) {
    json s = {
        {"traceId", kTrace},
        {"spanId", id},
        {"name", parent.empty() ? "GET /checkout" : "charge"},
        {"kind", parent.empty() ? 2 : 3},
        {"startTimeUnixNano", std::to_string(endNs - durationNs)},
        {"endTimeUnixNano", std::to_string(endNs)},
        {"status", error ? json{{"code", 2}, {"message", "card declined"}} : json{{"code", 1}}}};
    if (!parent.empty())
        s["parentSpanId"] = parent;
    return s;
}

json request(const std::string& service, const json& spans) {
    return {
        {"resourceSpans",
         json::array({{{"resource",
                        {{"attributes", json::array({{{"key", "service.name"},
                                                      {"value", {{"stringValue", service}}}}})}}},
                       {"scopeSpans",
                        json::array({{{"scope", {{"name", "shop"}}}, {"spans", spans}}})}}})}};
}

const telemetry::ServiceGraph::Edge* edgeOf(const telemetry::ServiceGraph::Snapshot& s,
                                            const char* from, const char* to) {
    for (const auto& e : s.edges)
        if (e.from == from && e.to == to)
            return &e;
    return nullptr;
}

int64_t nowUs() {
    return QDateTime::currentMSecsSinceEpoch() * 1000;
}

}  // namespace

class TestOtlpGraph : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;

    // POSTs `body` with curl; its HTTP status.
    int post(const QString& url, const json& body, const QString& name) {
        const QString path = dir_.filePath(name);
        QFile f(path);
        if (!f.open(QIODevice::WriteOnly))
            return -1;
        f.write(QByteArray::fromStdString(body.dump()));
        f.close();
        QProcess curl;
        curl.start(QStringLiteral("curl"),
                   {"-sS", "-o", "/dev/null", "-w", "%{http_code}", "-H",
                    "Content-Type: application/json", "--data-binary", "@" + path, url});
        if (!curl.waitForFinished(30000))
            return -1;
        return curl.readAllStandardOutput().toInt();
    }

  private slots:
    void initTestCase() {
        test::isolateSettings("test_otlp_graph");
        QVERIFY(dir_.isValid());
        QVERIFY2(!QStandardPaths::findExecutable(QStringLiteral("curl")).isEmpty(),
                 "curl is needed (packaging/install-deps.sh)");
    }

    void childSpansBeforeTheirParentMakeAnEdge() {
        telemetry::InProcessBus bus;
        TelemetryPage page(bus);
        GraphPage graph(page);
        telemetry::otlp::OtlpReceiver::Options options;
        options.bus = &bus;
        telemetry::otlp::OtlpReceiver receiver(options);
        QVERIFY(receiver.start().ok());
        const QString url = QString::fromStdString(receiver.tracesUrl());

        // Four calls checkout -> payments (one failed, one slow) and one span inside checkout.
        const uint64_t end = static_cast<uint64_t>(nowUs()) * 1000;
        const json children =
            json::array({span("0000000000000001", kRoot, end - 400'000, 10'000'000, false),
                         span("0000000000000002", kRoot, end - 300'000, 20'000'000, false),
                         span("0000000000000003", kRoot, end - 200'000, 30'000'000, true),
                         span("0000000000000004", kRoot, end - 100'000, 400'000'000, false)});
        QCOMPARE(post(url, request("payments", children), "children.json"), 200);
        QTRY_VERIFY_WITH_TIMEOUT((page.flush(), page.spanStats().waiting == 4), 30000);
        QVERIFY(page.graphSnapshot(nowUs()).edges.empty());  // the parent is still missing

        const json parents =
            json::array({span(kRoot, {}, end, 500'000'000, false),
                         span("00000000000000aa", kRoot, end - 500'000, 1'000'000, false)});
        QCOMPARE(post(url, request("checkout", parents), "parents.json"), 200);
        QTRY_VERIFY_WITH_TIMEOUT((page.flush(), page.spanStats().linked == 4), 30000);

        const auto snapshot = page.graphSnapshot(nowUs());
        const auto* e = edgeOf(snapshot, "checkout", "payments");
        QVERIFY(e != nullptr);
        QCOMPARE(snapshot.edges.size(), size_t{1});  // no checkout -> checkout edge
        QCOMPARE(e->calls, uint64_t{4});
        QCOMPARE(e->spans, uint64_t{4});
        QCOMPARE(e->errors, uint64_t{1});
        QCOMPARE(e->errorRate, 0.25);
        QCOMPARE(e->p99Us, int64_t{400'000});
        QVERIFY(e->callsPerSec > 0);
        QCOMPARE(page.spanStats().late, uint64_t{4});

        // The Service graph tab shows it, and a click filters the stream on the child's spans.
        graph.refresh();
        QCOMPARE(graph.edges()->topLevelItemCount(), 1);
        const QTreeWidgetItem* row = graph.edges()->topLevelItem(0);
        QCOMPARE(row->text(0), QStringLiteral("checkout"));
        QCOMPARE(row->text(1), QStringLiteral("payments"));
        QCOMPARE(row->text(3), QStringLiteral("25.0 %"));
        QCOMPARE(row->text(4), QStringLiteral("400.00 ms"));
        QCOMPARE(row->text(9), QStringLiteral("4"));
        graph.selectEdge(0);
        QCOMPARE(page.filterEdit()->text(),
                 QStringLiteral(R"(source == otlp and local.svc_ref == "payments")"));
        QTRY_COMPARE_WITH_TIMEOUT(page.model()->rowCount(), 4, 10000);
        receiver.stop();
    }
};

QTEST_MAIN(TestOtlpGraph)
#include "test_otlp_graph.moc"
