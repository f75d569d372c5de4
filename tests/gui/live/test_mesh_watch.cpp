// The console watching a mesh it did not start: a real meshx-agent, two `meshx rpc-serve`
// providers and one `meshx rpc-call` loop as separate processes, each with its meshx-proxy
// sidecar. The console finds their taps through the agent and shows their events (tagged with
// process and service), a request's trip matched across two processes with the sidecar hops
// from the sidecars' flow events (measured per request from their `turn` events: the sidecars
// run with MESHX_TURN_TIMING), and the service graph's edge, whose click filters the stream;
// Screenshots of the graph and the
// merged stream with a trip go to MESHX_SCREENSHOT_DIR (docs/screenshots) when it is set.

#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QLineEdit>
#include <QProcess>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QTreeWidget>
#include <QtTest>

#include <memory>

#include <nlohmann/json.hpp>

#include "../console_fixture.h"
#include "agent_process.h"
#include "engine/agent_monitor.h"
#include "integration/rpc/rpc_serve_process.h"
#include "mesh_process_env.h"
#include "telemetry/watch/trip_matcher.h"
#include "ui/graph/graph_page.h"
#include "ui/graph/service_graph_view.h"
#include "ui/rpc/rpc_page.h"
#include "ui/rpc/rpc_workbench.h"
#include "ui/shell/app_palette.h"
#include "ui/shell/console_context.h"
#include "ui/shell/main_window.h"
#include "ui/telemetry/mesh_taps.h"
#include "ui/telemetry/request_trip.h"
#include "ui/telemetry/telemetry_page.h"
#include "ui/telemetry/telemetry_stream_model.h"

using namespace meshx;
using namespace meshx::ui;
using nlohmann::json;

namespace {

constexpr const char* kService = "watchsvc";
constexpr const char* kProviderA = "watchsvc-a";
constexpr const char* kProviderB = "watchsvc-b";
constexpr const char* kConsumer = "watch-consumer";
constexpr int kLongWaitMs = 60000;  // processes, sidecars and certificates on a loaded machine

bool startsWith(const std::string& s, const char* prefix) {
    return s.rfind(prefix, 0) == 0;
}

}  // namespace

class TestMeshWatch : public QObject {
    Q_OBJECT

    std::unique_ptr<AgentProcess> agent_;
    QTemporaryDir dir_;
    QProcessEnvironment env_;
    RpcServeProcess providerA_, providerB_;
    QProcess consumer_;
    std::unique_ptr<MainWindow> window_;
    TelemetryPage* page_ = nullptr;
    GraphPage* graph_ = nullptr;
    QString shots_;
    bool dark_ = false;

    QString file(const QString& name) const { return dir_.filePath(name); }
    QString consumerErrors() const {
        QFile f(file(QStringLiteral("consumer.err")));
        return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
    }
    // Rows of the history from a tapped process whose program starts with `program`.
    int rowsFrom(const char* program, const char* service = nullptr) const {
        int n = 0;
        for (const auto& r : page_->model()->history()) {
            if (startsWith(r.process, program) && (service == nullptr || r.service == service))
                ++n;
        }
        return n;
    }
    int connectedTaps() const {
        int n = 0;
        for (const auto& t : page_->taps()->subscriber().taps())
            n += t.connected ? 1 : 0;
        return n;
    }
    // What the page has, for failure messages: taps and the processes of the history's rows.
    QString state() const {
        QStringList out;
        for (const auto& t : page_->taps()->subscriber().taps())
            out << QStringLiteral("tap %1 %2[%3] %4 events=%5 err=%6")
                       .arg(QString::fromStdString(t.address), QString::fromStdString(t.program))
                       .arg(t.pid)
                       .arg(t.connected ? "connected" : "not connected")
                       .arg(t.events)
                       .arg(QString::fromStdString(t.lastError));
        std::map<std::string, int> rows;
        for (const auto& r : page_->model()->history())
            ++rows[r.process + " " + r.service + " " + r.source + "/" + r.event];
        for (const auto& [k, n] : rows)
            out << QStringLiteral("rows %1: %2").arg(QString::fromStdString(k)).arg(n);
        return out.join(QLatin1Char('\n'));
    }
    void shoot(QWidget* widget, const QString& name) {
        QCoreApplication::processEvents();
        const QImage image = widget->grab().toImage();
        QVERIFY(!image.isNull());
        const QString path = QDir(shots_).filePath(
            dark_ ? QString(name).replace(QStringLiteral(".png"), QStringLiteral("-dark.png"))
                  : name);
        QFile::remove(path);
        QVERIFY2(image.save(path, "PNG"), qPrintable(path));
    }

  private slots:
    void initTestCase();
    void cleanupTestCase();
    void showsEventsOfEveryProcess();
    void tripAcrossProcessesWithSidecarHops();
    void tripHopsMeasuredPerRequest();
    void graphEdgeFiltersStream();
};

void TestMeshWatch::initTestCase() {
    test::isolateSettings("test_mesh_watch");
    shots_ = qEnvironmentVariable("MESHX_SCREENSHOT_DIR");
    if (shots_.isEmpty())
        shots_ = dir_.path();
    dark_ = qEnvironmentVariable("MESHX_SCREENSHOT_PALETTE") == QLatin1String("dark");
    if (dark_)
        applyPalette(QStringLiteral("dark"));
    QVERIFY(dir_.isValid());
    for (const char* bin : {"meshx", "meshx-proxy", "meshx-agent"})
        QVERIFY2(QFileInfo(meshxBinary(QString::fromLatin1(bin))).isExecutable(), bin);
    agent_ = std::make_unique<AgentProcess>(0);
    QVERIFY2(agent_->ok(), qPrintable(agent_->output()));

    // The processes: their own config (a port range of their own) and runtime directory.
    QString envError;
    const auto env = meshProcessEnvironment(dir_, agent_->address(), {39100, 39999}, &envError);
    QVERIFY2(env, qPrintable(envError));
    env_ = *env;
    // Every sidecar of these processes times its connections' turns (docs/taps.md).
    env_.insert(QStringLiteral("MESHX_TURN_TIMING"), QStringLiteral("1"));
    for (auto* p : {&providerA_, &providerB_}) {
        const char* id = p == &providerA_ ? kProviderA : kProviderB;
        QVERIFY2(
            p->start({"--service", kService, "--id", id, "--min-sleep", "5", "--max-sleep", "15"},
                     env_, file(QString::fromLatin1(id) + QStringLiteral(".err"))),
            qPrintable(p->errors()));
    }
    // The console, on the same agent (not an embedded one): it started none of these.
    QString error;
    window_ = test::openConsoleOn(agent_->address(), QSize(1400, 880), &error);
    QVERIFY2(window_, qPrintable(error));
    page_ = window_->findChild<TelemetryPage*>();
    graph_ = window_->findChild<GraphPage*>();
    QVERIFY(page_ && graph_);
    QTRY_VERIFY2_WITH_TIMEOUT(connectedTaps() >= 4, qPrintable(state()), kLongWaitMs);

    // The consumer loop, started once the console watches the providers and their sidecars (a
    // sidecar reports a connection when it opens: flows before a subscriber are not sent). One
    // pooled worker and up to three temporary ones that go after their call: new connections
    // through both sidecars all along. Bounded in count (and stopped at the end of the test).
    consumer_.setProcessEnvironment(env_);
    consumer_.setStandardOutputFile(QProcess::nullDevice());
    consumer_.setStandardErrorFile(file(QStringLiteral("consumer.err")));
    consumer_.start(
        meshxBinary(QStringLiteral("meshx")),
        {"rpc-call", "--upstream", kService, "--proxy", kConsumer, "--fn", "do_work", "--count",
         "200000", "--concurrency", "3", "--pool-size", "1", "--max-overflow", "3"});
    QVERIFY(consumer_.waitForStarted(10000));
    QTRY_VERIFY2_WITH_TIMEOUT(consumerErrors().contains(QStringLiteral("upstream watchsvc at")),
                              qPrintable(consumerErrors()), kLongWaitMs);
}

void TestMeshWatch::cleanupTestCase() {
    window_.reset();
    if (consumer_.state() != QProcess::NotRunning) {
        consumer_.terminate();
        if (!consumer_.waitForFinished(20000)) {
            consumer_.kill();
            consumer_.waitForFinished(5000);
        }
    }
    providerA_.terminate();
    providerB_.terminate();
}

// Every process's tap is found through the agent (providers, consumer, their four sidecars)
// and the stream holds events of both providers and the consumer, tagged with process and
// service.
void TestMeshWatch::showsEventsOfEveryProcess() {
    window_->showTab(QStringLiteral("telemetry"));
    const MeshTaps& taps = *page_->taps();
    QTRY_VERIFY2_WITH_TIMEOUT(taps.targets().size() >= 6,
                              qPrintable(QString::number(taps.targets().size())), kLongWaitMs);
    QTRY_VERIFY2_WITH_TIMEOUT(rowsFrom("meshx rpc-serve[", kProviderA) > 0 &&
                                  rowsFrom("meshx rpc-serve[", kProviderB) > 0 &&
                                  rowsFrom("meshx rpc-call[", kConsumer) > 0,
                              qPrintable(state()), kLongWaitMs);
    int connected = 0;
    for (const auto& t : page_->taps()->subscriber().taps())
        connected += t.connected ? 1 : 0;
    QVERIFY2(connected >= 6, qPrintable(QString::number(connected)));
    // The filter knows where events came from.
    QVERIFY(page_->applyFilter(QStringLiteral("service == watchsvc-b and source == rpc.server")));
    QTRY_VERIFY_WITH_TIMEOUT(page_->model()->rowCount() > 0, kLongWaitMs);
    for (int row = 0; row < page_->model()->rowCount(); ++row) {
        const auto* r = page_->model()->record(row);
        QCOMPARE(QString::fromStdString(r->service), QStringLiteral("watchsvc-b"));
        QVERIFY(startsWith(r->process, "meshx rpc-serve["));
        QCOMPARE(page_->model()->data(page_->model()->index(row, TelemetryStreamModel::Service)),
                 QVariant(QStringLiteral("watchsvc-b")));
    }
    // Prometheus text carries the processes apart.
    const std::string prom = page_->aggregate().renderPrometheus();
    QVERIFY(prom.find("service=\"watchsvc-a\"") != std::string::npos);
    QVERIFY(prom.find("service=\"watch-consumer\"") != std::string::npos);
}

// A consumer's call matched with the provider's end from another process, and the sidecar
// hops measured by the two sidecars' flow events.
void TestMeshWatch::tripAcrossProcessesWithSidecarHops() {
    QVERIFY(page_->applyFilter(QStringLiteral("source == rpc.client and fun == do_work")));
    page_->setAutoScroll(false);
    RequestTrip trip;
    auto findTrip = [&] {
        const int rows = page_->model()->rowCount();
        for (int row = rows - 1; row >= 0 && row >= rows - 200; --row) {
            const auto* r = page_->model()->record(row);
            RequestTrip t = RequestTrip::find(*r, page_->model()->history(), page_->flows());
            if (t.complete() && t.clientSidecar && t.providerSidecar) {
                trip = t;
                page_->selectRow(row);
                return true;
            }
        }
        return false;
    };
    QTRY_VERIFY_WITH_TIMEOUT(findTrip(), kLongWaitMs);
    QVERIFY(startsWith(trip.client->process, "meshx rpc-call["));
    QVERIFY(startsWith(trip.server->process, "meshx rpc-serve["));
    QCOMPARE(*trip.client->reqRef, *trip.server->reqRef);
    QCOMPARE(trip.client->localConn, trip.server->remoteConn);
    QVERIFY(startsWith(trip.clientSidecar->process, "meshx-proxy["));
    QVERIFY(startsWith(trip.providerSidecar->process, "meshx-proxy["));
    QVERIFY(trip.clientSidecar->process != trip.providerSidecar->process);
    int fromFlows = 0;
    for (const auto& step : trip.steps)
        fromFlows += step.from.startsWith(QLatin1String("flow meshx-proxy[")) ? 1 : 0;
    QVERIFY2(fromFlows > 0, "no step measured by a sidecar's flow event");
    QVERIFY(page_->tripView()->trip().complete());
    page_->bottomTabs()->setCurrentWidget(page_->tripView());
    shoot(page_, QStringLiteral("live-mesh-trip.png"));
}

// The sidecar hops of one consumer call measured per request: each sidecar's `turn` event of
// the call's connection and turn number (the client's local_address is its sidecar's accepted
// peer, the provider's peer_address its sidecar's dialled address), shown as the trip's hop rows.
void TestMeshWatch::tripHopsMeasuredPerRequest() {
    QVERIFY(page_->applyFilter(QStringLiteral("source == rpc.client and fun == do_work")));
    page_->setAutoScroll(false);
    RequestTrip trip;
    int turnFlows = 0, clientTurns = 0;
    auto findTrip = [&] {
        turnFlows = 0;
        for (const auto& f : page_->flows())
            turnFlows += f.isTurn() ? 1 : 0;
        const int rows = page_->model()->rowCount();
        clientTurns = 0;
        for (int row = rows - 1; row >= 0 && row >= rows - 400; --row) {
            const auto* r = page_->model()->record(row);
            clientTurns += r->turn > 0 && !r->localAddress.empty() ? 1 : 0;
            RequestTrip t = RequestTrip::find(*r, page_->model()->history(), page_->flows());
            if (t.hopsMeasured()) {
                trip = t;
                page_->selectRow(row);
                return true;
            }
        }
        return false;
    };
    QTRY_VERIFY2_WITH_TIMEOUT(
        findTrip(),
        qPrintable(QStringLiteral("turn flows %1, client rows with a turn %2\n")
                       .arg(turnFlows)
                       .arg(clientTurns) +
                   state()),
        kLongWaitMs);
    const auto& c = *trip.client;
    const auto& s = *trip.server;
    const auto& ct = *trip.clientTurn;
    const auto& pt = *trip.providerTurn;
    // Paired by connection and turn number: the sidecars saw the same connection and count.
    QVERIFY(c.turn >= 2);  // turn 1 is the handshake
    QCOMPARE(ct.turn, c.turn);
    QCOMPARE(pt.turn, s.turn);
    QCOMPARE(ct.src, c.localAddress);
    QCOMPARE(pt.dstLocal, s.peerAddress);
    QCOMPARE(ct.dstLocal, pt.src);
    QVERIFY(startsWith(ct.process, "meshx-proxy[") && startsWith(pt.process, "meshx-proxy["));
    QVERIFY(ct.process != pt.process);
    QVERIFY(!ct.inbound() && pt.inbound());
    // Measured: every span positive; the provider sidecar waited at least the provider's
    // execution (do_work sleeps 5..15 ms), the client sidecar at least the provider sidecar's
    // wait; what both sidecars measured fits in the client's own request time.
    for (int64_t ns : {ct.requestNs, ct.waitNs, ct.answerNs, pt.requestNs, pt.waitNs, pt.answerNs})
        QVERIFY2(ns > 0, qPrintable(QString::number(ns)));
    QVERIFY2(pt.waitNs >= s.tExec * 1000,
             qPrintable(QStringLiteral("%1 < %2").arg(pt.waitNs).arg(s.tExec * 1000)));
    QVERIFY(ct.waitNs >= pt.waitNs);
    const auto hops = meshx::telemetry::TripMatcher::hops(ct, pt);
    const int64_t clientNs = c.requestUs() * 1000;
    QVERIFY2(
        hops.relayNs() + std::max<int64_t>(0, hops.transitNs) < clientNs,
        qPrintable(
            QStringLiteral("%1 + %2 >= %3").arg(hops.relayNs()).arg(hops.transitNs).arg(clientNs)));
    // The trip's hop rows come from the two turn events, added to the request's total.
    int fromTurns = 0;
    int64_t hopUs = 0;
    for (const auto& step : trip.steps) {
        if (step.from.startsWith(QLatin1String("turn "))) {
            ++fromTurns;
            QVERIFY(!step.overlaps);
            hopUs += step.us;
        }
    }
    QCOMPARE(fromTurns, 4);
    QVERIFY(hopUs < c.requestUs());
    QVERIFY(trip.totalUs >= c.requestUs() - 10);  // the rows add up to the client's time (rounded)
    QVERIFY(page_->tripView()->trip().hopsMeasured());
    auto* steps = page_->tripView()->steps();
    int shown = 0;
    for (int i = 0; i < steps->topLevelItemCount(); ++i) {
        const auto* item = steps->topLevelItem(i);
        if (item->text(4).startsWith(QLatin1String("turn "))) {
            ++shown;
            QVERIFY(item->text(3).endsWith(QLatin1String("%")));  // a share, not "per connection"
        }
    }
    QCOMPARE(shown, 4);
    page_->bottomTabs()->setCurrentWidget(page_->tripView());
    shoot(page_, QStringLiteral("live-mesh-trip-hops.png"));
}

// The graph has the consumer -> watchsvc edge with live figures; clicking it filters the stream
// to that edge's calls and shows the telemetry tab.
void TestMeshWatch::graphEdgeFiltersStream() {
    window_->showTab(QStringLiteral("graph"));
    int edge = -1;
    auto findEdge = [&] {
        graph_->refresh();
        const auto& edges = graph_->view()->snapshot().edges;
        for (int i = 0; i < static_cast<int>(edges.size()); ++i) {
            const auto& e = edges[static_cast<size_t>(i)];
            if (e.from == kConsumer && e.to == kService && e.calls > 0 && e.callsPerSec > 0 &&
                e.p99Us > 0) {
                edge = i;
                return true;
            }
        }
        return false;
    };
    QTRY_VERIFY_WITH_TIMEOUT(findEdge(), kLongWaitMs);
    const auto e = graph_->view()->snapshot().edges[static_cast<size_t>(edge)];
    QCOMPARE(e.errorRate, 0.0);
    QCOMPARE(graph_->edges()->topLevelItemCount(),
             static_cast<int>(graph_->view()->snapshot().edges.size()));
    shoot(graph_, QStringLiteral("live-mesh-graph.png"));

    QSignalSpy filtered(graph_, &GraphPage::streamFiltered);
    QTest::mouseClick(graph_->view(), Qt::LeftButton, {},
                      graph_->view()->edgeMidpoint(edge).toPoint());
    QCOMPARE(filtered.count(), 1);
    QCOMPARE(page_->filterEdit()->text(), QString::fromStdString(e.filter));
    auto* tabs = window_->findChild<QTabWidget*>(QStringLiteral("viewTabs"));
    QCOMPARE(tabs->currentWidget(), static_cast<QWidget*>(page_));
    QTRY_VERIFY_WITH_TIMEOUT(page_->model()->rowCount() > 0, kLongWaitMs);
    for (int row = 0; row < page_->model()->rowCount(); ++row) {
        const auto* r = page_->model()->record(row);
        QCOMPARE(QString::fromStdString(r->source), QStringLiteral("rpc.client"));
        QCOMPARE(QString::fromStdString(r->service), QString::fromLatin1(kConsumer));
        QVERIFY(startsWith(r->remoteSvc, "watchsvc-"));
    }
    page_->setAutoScroll(true);
    page_->applyFilter(QString());
    shoot(page_, QStringLiteral("live-mesh-stream.png"));
}

// QTEST_MAIN, with a function timeout above the default 300 s: the first function waits for
// processes, sidecars and certificates on a loaded machine.
int main(int argc, char** argv) {
    if (qEnvironmentVariableIsEmpty("QTEST_FUNCTION_TIMEOUT"))
        qputenv("QTEST_FUNCTION_TIMEOUT", "500000");
    QApplication app(argc, argv);
    TestMeshWatch test;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&test, argc, argv);
}
#include "test_mesh_watch.moc"
