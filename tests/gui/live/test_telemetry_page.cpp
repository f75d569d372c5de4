// The telemetry page on real RPC traffic: an RpcServer per provider instance and an RpcClientPool
// per instance, in-process on 127.0.0.1, publishing on a bus of the test's own. Rows, filters,
// plot points, a request trip matched across both ends, export, pause, columns, saved filters and
// the Prometheus endpoint.

#include <QFile>
#include <QHeaderView>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QSettings>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QToolButton>
#include <QTreeWidget>

#include <atomic>
#include <memory>
#include <thread>

#include "meshx_test.h"
#include "rpc/rpc_client_pool.h"
#include "rpc/rpc_server.h"
#include "telemetry/export/prometheus_endpoint.h"
#include "telemetry/in_process_bus.h"
#include "ui/shared/hint_line.h"
#include "ui/shell/main_window.h"
#include "ui/telemetry/request_trip.h"
#include "ui/telemetry/telemetry_page.h"
#include "ui/telemetry/telemetry_plots.h"
#include "ui/telemetry/telemetry_stream_model.h"

using namespace meshx::rpc;
using meshx::telemetry::InProcessBus;
using meshx::ui::RequestTrip;
using meshx::ui::TelemetryPage;
using meshx::ui::TelemetryPlots;
using meshx::ui::TelemetryStreamModel;

namespace {

constexpr int kTimeout = 30000;

// One provider instance: a server whose svc_ref names the instance, and a client pool on it.
struct Instance {
    std::unique_ptr<RpcServer> server;
    std::unique_ptr<RpcClientPool> pool;
};

Instance startInstance(InProcessBus& bus, const std::string& name) {
    Instance i;
    RpcServerOptions so;
    so.address = meshx::net::Address::tcp("127.0.0.1", 0);
    so.id = name;
    so.bus = &bus;
    i.server = std::make_unique<RpcServer>(so);
    (void)i.server->add("echo", [](Payload&& p) -> RpcResult<Payload> { return std::move(p); });
    (void)i.server->add("sleep", [](Payload&& p) -> RpcResult<Payload> {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        return std::move(p);
    });
    // Takes 1..4 ms, by the argument's size: latency plots with some shape.
    (void)i.server->add("work", [](Payload&& p) -> RpcResult<Payload> {
        std::this_thread::sleep_for(std::chrono::microseconds(1000 + 1000 * (p.bytes.size() % 4)));
        return std::move(p);
    });
    if (!i.server->start().ok())
        return {};
    RpcClientOptions co;
    co.address = i.server->address();
    co.id = "console.client";
    co.size = 2;
    co.bus = &bus;
    i.pool = std::make_unique<RpcClientPool>(co);
    if (!i.pool->start().ok())
        return {};
    return i;
}

bool calls(Instance& i, const char* fun, int n) {
    Payload arg;
    arg.bytes.assign(100, 'x');
    for (int k = 0; k < n; ++k) {
        if (!i.pool->call(fun, arg).ok())
            return false;
    }
    return true;
}

int countRows(const TelemetryStreamModel& m,
              const std::function<bool(const meshx::telemetry::RpcRecord&)>& pred) {
    int n = 0;
    for (int r = 0; r < m.rowCount(); ++r)
        n += pred(*m.record(r)) ? 1 : 0;
    return n;
}

}  // namespace

class TestTelemetryPage : public QObject {
    Q_OBJECT

  private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("meshx-test"));
        QCoreApplication::setApplicationName(QStringLiteral("test_telemetry_page"));
        QSettings().clear();
    }

    void rowsFilterPlotTripFromRealCalls();
    void pauseHoldsAndResumeShows();
    void exportWritesWhatIsShown();
    void columnsAndSavedFiltersPersist();
    void prometheusServesAggregates();
    void installedInTheMainWindow();
    void screenshots();
};

void TestTelemetryPage::rowsFilterPlotTripFromRealCalls() {
    InProcessBus bus;
    TelemetryPage page(bus);
    page.resize(1200, 800);
    page.show();
    Instance one = startInstance(bus, "provider-1");
    Instance two = startInstance(bus, "provider-2");
    QVERIFY(one.pool && two.pool);
    QVERIFY(calls(one, "echo", 12));
    QVERIFY(calls(two, "echo", 6));
    QVERIFY(calls(two, "sleep", 2));

    auto* model = page.model();
    auto clientCalls = [](const meshx::telemetry::RpcRecord& r) {
        return r.source == "rpc.client" && r.event == "call";
    };
    // Rows appear: 20 client call events and 20 server ones (plus handshakes).
    QTRY_VERIFY_WITH_TIMEOUT(countRows(*model, clientCalls) == 20, kTimeout);
    QTRY_COMPARE_WITH_TIMEOUT(
        countRows(*model,
                  [](const auto& r) { return r.source == "rpc.server" && r.event == "call"; }),
        20, kTimeout);
    QVERIFY(countRows(*model, [](const auto& r) { return r.event == "hsk"; }) >= 2);
    QCOMPARE(model->rowCount(), int(model->historySize()));

    // A filter hides and shows the right rows.
    QVERIFY(page.applyFilter(
        QStringLiteral("source == rpc.client and event == call and remote.svc_ref == provider-2")));
    QCOMPARE(model->rowCount(), 8);
    QCOMPARE(countRows(*model, [](const auto& r) { return r.remoteSvc == "provider-2"; }), 8);
    QVERIFY(page.applyFilter(QStringLiteral("fun == sleep and t.exec >= 20ms")));
    QCOMPARE(model->rowCount(), 2);  // the server's two sleeps (the client has no exec time)
    QCOMPARE(QString::fromStdString(model->record(0)->source), QStringLiteral("rpc.server"));
    // An invalid filter turns the box red with the error and keeps the previous filter.
    QVERIFY(!page.applyFilter(QStringLiteral("fun = echo")));
    QCOMPARE(page.filterEdit()->property("valid").toBool(), false);
    QVERIFY(page.filterEdit()->styleSheet().contains(QStringLiteral("#f7c6c6")));
    QVERIFY(page.hint()->text().contains(QStringLiteral("column 5")));
    QCOMPARE(model->rowCount(), 2);
    // Validated as you type: a good text clears the red.
    page.filterEdit()->setText(QStringLiteral("fun == echo"));
    QCOMPARE(page.filterEdit()->property("valid").toBool(), true);
    QVERIFY(!page.filterEdit()->styleSheet().contains(QStringLiteral("#f7c6c6")));

    // The filter applies to new events too.
    QVERIFY(page.applyFilter(QStringLiteral("source == rpc.client and event == call")));
    QCOMPARE(model->rowCount(), 20);
    QVERIFY(calls(one, "echo", 3));
    QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(), 23, kTimeout);
    QCOMPARE(countRows(*model, clientCalls), 23);
    QVERIFY(page.applyFilter(QString()));
    QTRY_VERIFY_WITH_TIMEOUT(countRows(*model,
                                       [](const auto& r) {
                                           return r.source == "rpc.server" && r.event == "call";
                                       }) == 23,
                             kTimeout);
    QVERIFY(model->rowCount() > 46);

    // Plot points, per instance: round-robin shows as one line per provider.
    QVERIFY(page.applyFilter(QStringLiteral("source == rpc.client")));
    page.bottomTabs()->setCurrentWidget(page.plots());
    page.plots()->setMetric(TelemetryPlots::Metric::Calls);
    page.plots()->setInstance(QStringLiteral("each"));
    page.plots()->markDirty();
    page.plots()->refresh();
    const QStringList names = page.plots()->graphNames();
    QCOMPARE(names.size(), 2);
    QVERIFY(names[0].startsWith(QStringLiteral("provider-1/")));
    QVERIFY(names[1].startsWith(QStringLiteral("provider-2/")));
    QVERIFY(page.plots()->pointCount() > 0);
    QCOMPARE(page.plots()->series().requests(), uint64_t(23));  // follows the filter
    for (auto metric : {TelemetryPlots::Metric::Latency, TelemetryPlots::Metric::Split,
                        TelemetryPlots::Metric::Blocks, TelemetryPlots::Metric::Bytes}) {
        page.plots()->setMetric(metric);
        page.plots()->setInstance(QStringLiteral("all"));
        page.plots()->refresh();
        QVERIFY(page.plots()->pointCount() > 0);
    }
    page.plots()->setMetric(TelemetryPlots::Metric::Latency);
    QCOMPARE(page.plots()->graphNames(),
             QStringList({QStringLiteral("p50"), QStringLiteral("p95"), QStringLiteral("p99")}));

    // The trip of a sleep call: both ends matched by req_ref and conn_ref.
    QVERIFY(page.applyFilter(QStringLiteral("source == rpc.client and fun == sleep")));
    QCOMPARE(model->rowCount(), 2);
    page.selectRow(1);
    const RequestTrip& trip = page.tripView()->trip();
    QVERIFY(trip.complete());
    QCOMPARE(trip.client->reqRef, trip.server->reqRef);
    QCOMPARE(trip.server->remoteConn, trip.client->localConn);
    QCOMPARE(trip.server->localSvc, std::string("provider-2"));
    bool sawExec = false;
    for (const auto& step : trip.steps) {
        if (step.where == QStringLiteral("provider worker") &&
            step.what == QStringLiteral("exec")) {
            sawExec = true;
            QVERIFY(step.us >= 20000);
            QCOMPARE(step.us, trip.server->tExec);
        }
    }
    QVERIFY(sawExec);
    QVERIFY(trip.totalUs >= trip.server->tExec);
    // The provider's timestamps may run a little past the client's (it stamps after writing).
    QVERIFY(trip.totalUs <= trip.client->requestUs() + trip.server->tSend);
    QVERIFY(page.tripView()->steps()->topLevelItemCount() >= 8);
    QVERIFY(page.detail()->toPlainText().contains(QStringLiteral("req_ref=")));  // dev-logger text
    QVERIFY(page.detail()->toPlainText().contains(QStringLiteral("\"fun_name\": \"sleep\"")));
    // A handshake has no trip, just a note.
    const auto hskTrip = RequestTrip::find(
        [&] {
            meshx::telemetry::RpcRecord r;
            r.event = "hsk";
            return r;
        }(),
        model->history());
    QVERIFY(!hskTrip.complete());
    QVERIFY(!hskTrip.note.isEmpty());
}

void TestTelemetryPage::pauseHoldsAndResumeShows() {
    InProcessBus bus;
    TelemetryPage page(bus);
    Instance one = startInstance(bus, "provider-1");
    QVERIFY(one.pool);
    QVERIFY(page.applyFilter(QStringLiteral("event == call and source == rpc.client")));
    QVERIFY(calls(one, "echo", 2));
    QTRY_COMPARE_WITH_TIMEOUT(page.model()->rowCount(), 2, kTimeout);
    page.setPaused(true);
    const uint64_t before = page.received();
    QVERIFY(calls(one, "echo", 5));
    QTRY_VERIFY_WITH_TIMEOUT(page.received() >= before + 10, kTimeout);  // 5 client + 5 server
    QCOMPARE(page.model()->rowCount(), 2);
    page.setPaused(false);
    QCOMPARE(page.model()->rowCount(), 7);
}

void TestTelemetryPage::exportWritesWhatIsShown() {
    InProcessBus bus;
    TelemetryPage page(bus);
    Instance one = startInstance(bus, "provider-1");
    Instance two = startInstance(bus, "provider-2");
    QVERIFY(one.pool && two.pool);
    QVERIFY(calls(one, "echo", 4));
    QVERIFY(calls(two, "echo", 3));
    QVERIFY(page.applyFilter(QStringLiteral("source == rpc.client and event == call")));
    QTRY_COMPARE_WITH_TIMEOUT(page.model()->rowCount(), 7, kTimeout);
    QVERIFY(page.applyFilter(QStringLiteral("event == call and remote.svc_ref == provider-2")));
    QCOMPARE(page.model()->rowCount(), 3);
    page.setColumnVisible(TelemetryStreamModel::TExec, false);

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString csv = dir.filePath(QStringLiteral("shown.csv"));
    QVERIFY(page.exportTo(csv, TelemetryPage::ExportFormat::Csv).ok());
    QFile c(csv);
    QVERIFY(c.open(QIODevice::ReadOnly));
    const QStringList lines =
        QString::fromUtf8(c.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 4);  // header + the 3 shown rows
    const QStringList header = lines[0].split(QLatin1Char(','));
    QVERIFY(header.contains(QStringLiteral("remote.svc_ref")));
    QVERIFY(header.contains(QStringLiteral("fun")));
    QVERIFY(!header.contains(QStringLiteral("t.exec")));  // hidden columns are not exported
    const auto svc = header.indexOf(QStringLiteral("remote.svc_ref"));
    for (int i = 1; i < lines.size(); ++i)
        QCOMPARE(lines[i].split(QLatin1Char(','))[svc], QStringLiteral("provider-2"));

    const QString jsonl = dir.filePath(QStringLiteral("shown.jsonl"));
    QVERIFY(page.exportTo(jsonl, TelemetryPage::ExportFormat::JsonLines).ok());
    QFile j(jsonl);
    QVERIFY(j.open(QIODevice::ReadOnly));
    const QList<QByteArray> rows = j.readAll().split('\n');
    int n = 0;
    for (const QByteArray& row : rows) {
        if (row.isEmpty())
            continue;
        const QJsonObject o = QJsonDocument::fromJson(row).object();
        QCOMPARE(o.value(QStringLiteral("event")).toString(), QStringLiteral("call"));
        QCOMPARE(o.value(QStringLiteral("meta"))
                     .toObject()
                     .value(QStringLiteral("remote"))
                     .toObject()
                     .value(QStringLiteral("svc_ref"))
                     .toString(),
                 QStringLiteral("provider-2"));
        QVERIFY(o.value(QStringLiteral("metrics")).toObject().contains(QStringLiteral("time")));
        ++n;
    }
    QCOMPARE(n, 3);
    QVERIFY(!page.exportTo(dir.filePath(QStringLiteral("no/such/dir/x.csv")),
                           TelemetryPage::ExportFormat::Csv)
                 .ok());
}

void TestTelemetryPage::columnsAndSavedFiltersPersist() {
    InProcessBus bus;
    {
        TelemetryPage page(bus);
        page.setColumnVisible(TelemetryStreamModel::TDser, false);
        page.setColumnVisible(TelemetryStreamModel::BlocksSend, true);
        page.filterEdit()->setText(QStringLiteral("t.exec > 5ms"));
        page.saveCurrentFilter();
        QVERIFY(page.savedFilters().contains(QStringLiteral("t.exec > 5ms")));
        page.filterEdit()->setText(QStringLiteral("t.exec >"));  // invalid: not saved
        page.saveCurrentFilter();
        QVERIFY(!page.savedFilters().contains(QStringLiteral("t.exec >")));
    }
    TelemetryPage again(bus);
    QVERIFY(!again.columnVisible(TelemetryStreamModel::TDser));
    QVERIFY(again.columnVisible(TelemetryStreamModel::BlocksSend));
    QVERIFY(again.columnVisible(TelemetryStreamModel::Fun));
    QVERIFY(again.savedFilters().contains(QStringLiteral("t.exec > 5ms")));
    // A saved filter is a button that applies it.
    QToolButton* button = nullptr;
    for (auto* b : again.findChildren<QToolButton*>(QStringLiteral("savedFilter"))) {
        if (b->toolTip() == QStringLiteral("t.exec > 5ms"))
            button = b;
    }
    QVERIFY(button != nullptr);
    button->click();
    QCOMPARE(QString::fromStdString(again.model()->filter().text()),
             QStringLiteral("t.exec > 5ms"));
}

void TestTelemetryPage::prometheusServesAggregates() {
    InProcessBus bus;
    TelemetryPage page(bus);
    QVERIFY(!page.prometheus()->running());  // off by default
    Instance one = startInstance(bus, "provider-1");
    QVERIFY(one.pool);
    QVERIFY(calls(one, "echo", 4));
    QTRY_VERIFY_WITH_TIMEOUT(page.aggregate().requests() >= 8, kTimeout);
    QVERIFY(page.setPrometheus(true, 0).ok());
    const quint16 port = page.prometheus()->port();
    QVERIFY(port != 0);

    auto scrape = [port](const QByteArray& path) {
        QTcpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, port);
        if (!socket.waitForConnected(kTimeout))
            return QByteArray();
        socket.write("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        QByteArray reply;
        QDeadlineTimer deadline(kTimeout);
        while (socket.state() != QAbstractSocket::UnconnectedState && !deadline.hasExpired()) {
            // The endpoint lives on this thread: let its event loop run between reads.
            QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
            socket.waitForReadyRead(20);
            reply += socket.readAll();
        }
        return reply + socket.readAll();
    };
    const QByteArray reply = scrape("/metrics");
    QVERIFY2(reply.startsWith("HTTP/1.0 200 OK"), reply.left(200).constData());
    QVERIFY(reply.contains("Content-Type: text/plain; version=0.0.4"));
    QVERIFY(
        reply.contains("meshx_rpc_requests_total{source=\"rpc.client\",fun=\"echo\","
                       "instance=\"provider-1/"));
    QVERIFY(reply.contains("meshx_rpc_request_seconds_bucket{"));
    QVERIFY(scrape("/other").startsWith("HTTP/1.0 404"));
    QCOMPARE(page.prometheus()->scrapes(), 1);
    QVERIFY(page.setPrometheus(false, 0).ok());
    QVERIFY(!page.prometheus()->running());
}

void TestTelemetryPage::installedInTheMainWindow() {
    meshx::ui::MainWindow window;
    QVERIFY(window.showTab(QStringLiteral("telemetry")));
    QVERIFY(qobject_cast<TelemetryPage*>(window.tabs()->currentWidget()) != nullptr);
}

// Screenshots for docs/console-telemetry.md, with live data: only when MESHX_LIVE_SCREENSHOTS
// names a directory (run under xvfb-run with QT_QPA_PLATFORM=xcb for real fonts).
void TestTelemetryPage::screenshots() {
    const QString dir = qEnvironmentVariable("MESHX_LIVE_SCREENSHOTS");
    if (dir.isEmpty())
        QSKIP("set MESHX_LIVE_SCREENSHOTS=<dir> to take the documentation screenshots");
    InProcessBus bus;
    TelemetryPage page(bus);
    page.resize(1400, 900);
    page.show();
    Instance one = startInstance(bus, "provider-1");
    Instance two = startInstance(bus, "provider-2");
    QVERIFY(one.pool && two.pool);
    std::atomic<bool> stop{false};
    // Round-robin by hand over the two instances, ~8 s of load, as a mesh upstream would.
    std::thread load([&] {
        Payload arg;
        for (int k = 0; !stop.load() && k < 4000; ++k) {
            arg.bytes.assign(static_cast<size_t>(64 + k % 7), 'x');
            (void)(k % 2 == 0 ? one : two).pool->call(k % 5 == 0 ? "echo" : "work", arg);
        }
    });
    QDeadlineTimer loadFor(8000);
    QTRY_VERIFY_WITH_TIMEOUT(loadFor.hasExpired(), 20000);
    stop.store(true);
    load.join();
    page.flush();
    QVERIFY(page.applyFilter(QStringLiteral("source == rpc.client and event == call")));
    page.setColumnVisible(TelemetryStreamModel::LocalConn, true);
    page.bottomTabs()->setCurrentWidget(page.plots());
    page.plots()->setMetric(TelemetryPlots::Metric::Calls);
    page.plots()->setInstance(QStringLiteral("each"));
    page.plots()->setWindowSeconds(30);
    page.plots()->markDirty();
    page.plots()->refresh();
    QVERIFY(page.plots()->pointCount() > 4);
    QCoreApplication::processEvents();
    QVERIFY(page.grab().save(dir + QStringLiteral("/live-telemetry.png"), "PNG"));
    page.plots()->setMetric(TelemetryPlots::Metric::Latency);
    page.plots()->setInstance(QStringLiteral("all"));
    page.plots()->refresh();
    QCoreApplication::processEvents();
    QVERIFY(page.grab().save(dir + QStringLiteral("/live-latency.png"), "PNG"));
    QVERIFY(
        page.applyFilter(QStringLiteral("source == rpc.client and fun == work and t.req > 3ms")));
    QVERIFY(page.model()->rowCount() > 0);
    page.setAutoScroll(false);
    page.selectRow(page.model()->rowCount() - 1);
    QVERIFY(page.tripView()->trip().complete());
    page.bottomTabs()->setCurrentWidget(page.tripView());
    QCoreApplication::processEvents();
    QVERIFY(page.grab().save(dir + QStringLiteral("/live-trip.png"), "PNG"));
    page.filterEdit()->setText(QStringLiteral("t.exec > fast"));
    QCoreApplication::processEvents();
    QVERIFY(page.grab().save(dir + QStringLiteral("/live-filter-error.png"), "PNG"));
}

QTEST_MAIN(TestTelemetryPage)
#include "test_telemetry_page.moc"
