// The telemetry page under a burst far larger than its rows (issue 20.5): counters, aggregates,
// plot buckets and filtered counts stay exact while the rows are a bounded sample, and the view
// says when it samples and only then. No timing is asserted here (speed lives in
// tests/bench/console/bench_console_flood).
//
// The events are typed RPC events shaped as core/rpc publishes them (rpc_telemetry.cpp), put on a
// real InProcessBus by the test itself: a Debug RPC pool cannot make a burst of 60,000 events in
// the test's time, and the counts to compare against must be known exactly.

#include <QLabel>
#include <QSettings>
#include <QStandardPaths>

#include <memory>
#include <string>

#include "meshx_test.h"
#include "telemetry/in_process_bus.h"
#include "ui/telemetry/telemetry_page.h"
#include "ui/telemetry/telemetry_plots.h"
#include "ui/telemetry/telemetry_stream_model.h"

using meshx::telemetry::Event;
using meshx::telemetry::InProcessBus;
using meshx::telemetry::RpcEndpoint;
using meshx::telemetry::RpcEventData;
using meshx::ui::CallSeries;
using meshx::ui::TelemetryPage;

namespace {

// Event n of the burst: client and server ends alternate, four providers, "echo" two calls in
// three ("sleep" the third), an error one event in 97, a cast one in 50.
struct Burst {
    std::shared_ptr<const RpcEndpoint> client = std::make_shared<const RpcEndpoint>(
        RpcEndpoint{"tcp://127.0.0.1:41001", {"meshx_rpc", "console"}, "Zm9v", "n@h", "console"});
    std::shared_ptr<const RpcEndpoint> providers[4] = {
        std::make_shared<const RpcEndpoint>(
            RpcEndpoint{"tcp://127.0.0.1:41001", {"meshx_rpc", "p1"}, "AQ", "n@h", "provider-1"}),
        std::make_shared<const RpcEndpoint>(
            RpcEndpoint{"tcp://127.0.0.1:41001", {"meshx_rpc", "p2"}, "Ag", "n@h", "provider-2"}),
        std::make_shared<const RpcEndpoint>(
            RpcEndpoint{"tcp://127.0.0.1:41001", {"meshx_rpc", "p3"}, "Aw", "n@h", "provider-3"}),
        std::make_shared<const RpcEndpoint>(
            RpcEndpoint{"tcp://127.0.0.1:41001", {"meshx_rpc", "p4"}, "BA", "n@h", "provider-4"})};

    static bool isClient(uint64_t n) { return (n & 1) == 0; }
    static bool isEcho(uint64_t n) { return (n / 2) % 3 != 0; }
    static bool isError(uint64_t n) { return n % 97 == 0; }

    Event make(uint64_t n) const {
        const bool c = isClient(n);
        const size_t inst = (n / 2) % 4;
        Event e{Event::TypedTag{}};
        e.source = c ? "rpc.client" : "rpc.server";
        e.name = n % 50 == 49 ? "cast" : "call";
        RpcEventData& d = e.payload.emplace<RpcEventData>();
        d.local = c ? client : providers[inst];
        d.state = "recv";
        d.funName = isEcho(n) ? "echo" : "sleep";
        d.result = isError(n) ? "error: timeout" : "ok";
        d.hskRef = 1 + inst;
        d.reqRef = n / 2 + 1;
        d.hasRemote = true;
        d.remoteConnRaw = std::string(1, static_cast<char>(c ? 1 + inst : 9));
        d.remoteNodeRef = "n@h";
        d.remoteSvcRef = c ? providers[inst]->svcRef : "console";
        d.metrics.sizeSend = 100;
        d.metrics.exec = c ? 0 : 250;
        d.metrics.recv = c ? 400 : 20;
        return e;
    }

    void publish(InProcessBus& bus, uint64_t count) const {
        for (uint64_t n = 0; n < count; ++n)
            bus.publish(make(n));
    }
};

// Sums of the plot buckets: calls and errors over every second and instance.
std::pair<uint64_t, uint64_t> plotTotals(const CallSeries& series) {
    uint64_t calls = 0, errors = 0;
    for (const auto& [second, bucket] : series.buckets()) {
        for (const auto& [instance, cell] : bucket) {
            calls += cell.calls;
            errors += cell.errors;
        }
    }
    return {calls, errors};
}

// Sum of meshx_rpc_requests_total{...,result="error"} in the Prometheus text.
uint64_t prometheusErrors(const std::string& text) {
    uint64_t sum = 0;
    for (const QString& line : QString::fromStdString(text).split(QLatin1Char('\n'))) {
        if (line.startsWith(QStringLiteral("meshx_rpc_requests_total{")) &&
            line.contains(QStringLiteral("result=\"error\"")))
            sum += line.section(QLatin1Char(' '), -1).toULongLong();
    }
    return sum;
}

}  // namespace

class TestTelemetryFlood : public QObject {
    Q_OBJECT

  private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("meshx-test"));
        QCoreApplication::setApplicationName(QStringLiteral("test_telemetry_flood"));
        QSettings().clear();
    }

    // 60,000 events into a page that keeps 1,000 rows and is handed at most 2,000 rows a
    // second: every event is counted, the rows are a bounded sample and the notice says so.
    void countsExactWhileRowsAreSampled() {
        constexpr uint64_t kEvents = 60000;
        InProcessBus bus;
        TelemetryPage page(bus, nullptr, 2000);
        page.model()->setHistoryLimit(1000);
        const Burst burst;
        burst.publish(bus, kEvents);
        page.flush();
        page.syncPlots();

        uint64_t errors = 0;
        for (uint64_t n = 0; n < kEvents; ++n)
            errors += Burst::isError(n) ? 1 : 0;
        QCOMPARE(page.dropped(), uint64_t(0));
        QCOMPARE(page.received(), kEvents);
        QCOMPARE(page.matchedSinceFilter(), kEvents);
        const auto aggregate = page.aggregate();
        QCOMPARE(aggregate.requests(), kEvents);
        QCOMPARE(prometheusErrors(aggregate.renderPrometheus()), errors);
        QCOMPARE(page.plots()->series().requests(), kEvents);
        QCOMPARE(plotTotals(page.plots()->series()), std::make_pair(kEvents, errors));

        // Rows: bounded, a sample, and every accepted row either handed over or counted out.
        auto* model = page.model();
        QVERIFY(model->historySize() <= 1000);
        QVERIFY(model->rowCount() <= 1000);
        QVERIFY(page.rowsNotShown() > 0);
        QCOMPARE(model->trimmed() + model->historySize() + page.rowsNotShown(), kEvents);
        QVERIFY(page.sampling());
        QVERIFY(!page.samplingNotice()->isHidden());
        QVERIFY(page.samplingNotice()->text().contains(QStringLiteral("sampled")));
        QVERIFY(page.samplingNotice()->text().contains(QStringLiteral("count every event")));

        // A second burst: still exact, still bounded.
        burst.publish(bus, kEvents);
        page.flush();
        page.syncPlots();
        QCOMPARE(page.received(), 2 * kEvents);
        QCOMPARE(page.aggregate().requests(), 2 * kEvents);
        QCOMPARE(page.plots()->series().requests(), 2 * kEvents);
        QVERIFY(model->historySize() <= 1000);
    }

    // A trickle the view can show: every row, and no notice.
    void noNoticeWhenEveryRowIsShown() {
        InProcessBus bus;
        TelemetryPage page(bus);
        Burst().publish(bus, 300);
        page.flush();
        page.syncPlots();
        QCOMPARE(page.received(), uint64_t(300));
        QCOMPARE(page.model()->rowCount(), 300);
        QCOMPARE(page.rowsNotShown(), uint64_t(0));
        QVERIFY(!page.sampling());
        QVERIFY(page.samplingNotice()->isHidden());
        QCOMPARE(page.plots()->series().requests(), uint64_t(300));
    }

    // A filter applies to the matched count and the plots (exactly), not to the aggregate; the
    // sampled rows all match it.
    void filterAppliesToCounts() {
        constexpr uint64_t kEvents = 40000;
        InProcessBus bus;
        TelemetryPage page(bus, nullptr, 2000);
        page.model()->setHistoryLimit(1000);
        QVERIFY(page.applyFilter(QStringLiteral("source == rpc.client and fun == echo")));
        const Burst burst;
        burst.publish(bus, kEvents);
        page.flush();
        page.syncPlots();

        uint64_t matched = 0, matchedErrors = 0;
        for (uint64_t n = 0; n < kEvents; ++n) {
            if (Burst::isClient(n) && Burst::isEcho(n)) {
                ++matched;
                matchedErrors += Burst::isError(n) ? 1 : 0;
            }
        }
        QCOMPARE(page.received(), kEvents);
        QCOMPARE(page.matchedSinceFilter(), matched);
        QCOMPARE(page.plots()->series().requests(), matched);
        QCOMPARE(plotTotals(page.plots()->series()), std::make_pair(matched, matchedErrors));
        QCOMPARE(page.aggregate().requests(), kEvents);  // Prometheus counts everything
        auto* model = page.model();
        QVERIFY(model->rowCount() > 0);
        QVERIFY(model->rowCount() <= 1000);
        for (int row = 0; row < model->rowCount(); ++row) {
            const auto* r = model->record(row);
            QVERIFY(r != nullptr);
            QCOMPARE(r->source, std::string("rpc.client"));
            QCOMPARE(r->fun, std::string("echo"));
        }
        QVERIFY(page.rowsNotShown() > 0);
        QVERIFY(page.sampling());

        // A new filter restarts the matched count and the plots from the kept rows; from then on
        // every event counts again.
        QVERIFY(page.applyFilter(QStringLiteral("result != ok")));
        QCOMPARE(page.matchedSinceFilter(), uint64_t(0));
        const uint64_t base = page.plots()->series().requests();
        burst.publish(bus, kEvents);
        page.flush();
        page.syncPlots();
        uint64_t errors = 0;
        for (uint64_t n = 0; n < kEvents; ++n)
            errors += Burst::isError(n) ? 1 : 0;
        QCOMPARE(page.matchedSinceFilter(), errors);
        QCOMPARE(page.plots()->series().requests(), base + errors);
    }

    // Paused: the rows wait, bounded by the history limit; counting goes on.
    void pausedHoldsBoundedRows() {
        constexpr uint64_t kEvents = 30000;
        InProcessBus bus;
        TelemetryPage page(bus);
        page.model()->setHistoryLimit(500);
        page.setPaused(true);
        Burst().publish(bus, kEvents);
        page.flush();
        QCOMPARE(page.model()->rowCount(), 0);
        QCOMPARE(page.received(), kEvents);
        QCOMPARE(page.aggregate().requests(), kEvents);
        page.setPaused(false);
        QVERIFY(page.model()->rowCount() > 0);
        QVERIFY(page.model()->historySize() <= 500);
        QCOMPARE(page.plots()->series().requests(), kEvents);
    }
};

QTEST_MAIN(TestTelemetryFlood)
#include "test_telemetry_flood.moc"
