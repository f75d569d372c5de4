// Issue 17.4: the console discovers taps of services on OTHER nodes through the catalog. The
// meshx-agent's cluster catalog (/catalog/register, as a Consul server replicates other nodes'
// registrations) holds three nodes besides the agent's own:
//
//   node-b  127.0.0.2  a real `meshx rpc-serve` process, its server and tap on 127.0.0.2: this
//                      host, so reachable; the console subscribes, its events arrive tagged
//                      with the service and the tap's state names node-b
//   node-c  10.0.0.3   a tap on 127.0.0.1 of that remote host: listed as not reachable, never
//                      dialled (nothing is sent off loopback)
//   node-d  127.0.0.4  a tap whose port nobody listens on: listed, retried, its error shown
//
// Nothing crashes and nothing is silent: the Taps tab lists all three.

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTreeWidget>
#include <QtTest>

#include <memory>

#include <nlohmann/json.hpp>

#include "../console_fixture.h"
#include "agent_client.h"
#include "agent_process.h"
#include "engine/agent_monitor.h"
#include "integration/agent/agent_http.h"
#include "integration/rpc/rpc_serve_process.h"
#include "ui/shell/console_context.h"
#include "ui/shell/main_window.h"
#include "ui/telemetry/mesh_taps.h"
#include "ui/telemetry/telemetry_page.h"
#include "ui/telemetry/telemetry_stream_model.h"

using namespace meshx;
using namespace meshx::ui;
using nlohmann::json;

namespace {

constexpr const char* kFar = "far-rpc-1";
constexpr const char* kLost = "lost-1";
constexpr const char* kGone = "gone-1";
constexpr int kLongWaitMs = 60000;

}  // namespace

class TestTapCatalog : public QObject {
    Q_OBJECT

    std::unique_ptr<AgentProcess> agent_;
    std::unique_ptr<consul::ConsulClient> client_;
    QTemporaryDir dir_;
    RpcServeProcess far_;
    QString farTap_, goneTap_;
    std::unique_ptr<MainWindow> window_;
    TelemetryPage* page_ = nullptr;

    QString file(const QString& name) const { return dir_.filePath(name); }
    std::optional<telemetry::TapSubscriber::TapState> tapOf(const char* serviceId) const {
        for (const auto& t : page_->taps()->subscriber().taps())
            for (const auto& s : t.services)
                if (s == serviceId)
                    return t;
        return std::nullopt;
    }
    QString state() const {
        QStringList out;
        for (const auto& t : page_->taps()->subscriber().taps())
            out << QStringLiteral("tap %1 node=%2 %3 events=%4 err=%5")
                       .arg(QString::fromStdString(t.address), QString::fromStdString(t.node))
                       .arg(t.connected ? "connected" : "not connected")
                       .arg(t.events)
                       .arg(QString::fromStdString(t.lastError));
        return out.join(QLatin1Char('\n'));
    }
    bool registerOn(const char* node, const char* address, const char* id, const QString& tap,
                    int port) {
        const json body{{"Node", node},
                        {"Address", address},
                        {"Service",
                         {{"ID", id},
                          {"Service", std::string(id).substr(0, std::string(id).rfind('-'))},
                          {"Address", address},
                          {"Port", port},
                          {"Meta", {{"meshx-tap", tap.toStdString()}}}}}};
        return putJson(*client_, "/catalog/register", body).status == 200;
    }
    int rowsOf(const char* service, const char* fun) const {
        int n = 0;
        for (const auto& r : page_->model()->history())
            n += r.service == service && r.source == "rpc.server" && r.fun == fun ? 1 : 0;
        return n;
    }

  private slots:
    void initTestCase() {
        test::isolateSettings("test_tap_catalog");
        QVERIFY(dir_.isValid());
        agent_ = std::make_unique<AgentProcess>(0);
        QVERIFY2(agent_->ok(), qPrintable(agent_->output()));
        client_ = agentClient(*agent_);
        QVERIFY(client_ != nullptr);

        // node-b's process: a plain MeshxRpc server with its tap, both on 127.0.0.2.
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("MESHX_TAP_LISTEN"), QStringLiteral("tcp://127.0.0.2:0"));
        env.remove(QStringLiteral("MESHX_TAP_TOKEN_REQUIRED"));
        env.remove(QStringLiteral("OTEL_EXPORTER_OTLP_ENDPOINT"));
        QVERIFY2(far_.start({"--address", "tcp://127.0.0.2:0", "--id", kFar}, env,
                            file(QStringLiteral("far.err"))),
                 qPrintable(far_.errors()));
        const auto banner = QRegularExpression(QStringLiteral("telemetry tap at (tcp://\\S+)"))
                                .match(far_.errors());
        QVERIFY2(banner.hasMatch(), qPrintable(far_.errors()));
        farTap_ = banner.captured(1);
        QVERIFY2(farTap_.startsWith(QLatin1String("tcp://127.0.0.2:")), qPrintable(farTap_));
        const QString farAddress = QString::fromStdString(far_.address());
        const int farPort = farAddress.section(QLatin1Char(':'), -1).toInt();
        QVERIFY(farPort > 0);
        // node-d's tap: a port that was just free (bound, read back, released).
        {
            QTcpServer probe;
            QVERIFY(probe.listen(QHostAddress(QStringLiteral("127.0.0.4")), 0));
            goneTap_ = QStringLiteral("tcp://127.0.0.4:%1").arg(probe.serverPort());
        }
        QVERIFY(registerOn("node-b", "127.0.0.2", kFar, farTap_, farPort));
        QVERIFY(registerOn("node-c", "10.0.0.3", kLost, QStringLiteral("tcp://127.0.0.1:9"), 7000));
        QVERIFY(registerOn("node-d", "127.0.0.4", kGone, goneTap_, 7001));

        // The console on the agent.
        QString error;
        window_ = test::openConsoleOn(agent_->address(), QSize(1200, 800), &error);
        QVERIFY2(window_, qPrintable(error));
        page_ = window_->findChild<TelemetryPage*>();
        QVERIFY(page_);
    }

    void cleanupTestCase() {
        window_.reset();
        far_.terminate();
        client_.reset();
    }

    // node-b's tap is found in the catalog, subscribed to, and its events arrive tagged.
    void subscribesToAnotherNodesTap() {
        window_->showTab(QStringLiteral("telemetry"));
        QTRY_VERIFY2_WITH_TIMEOUT(tapOf(kFar) && tapOf(kFar)->connected, qPrintable(state()),
                                  kLongWaitMs);
        const auto tap = *tapOf(kFar);
        QCOMPARE(QString::fromStdString(tap.address), farTap_);
        QCOMPARE(tap.node, std::string("node-b"));
        QCOMPARE(tap.serviceId, std::string(kFar));
        QCOMPARE(tap.program, std::string("meshx rpc-serve"));
        QCOMPARE(tap.pid, static_cast<long>(far_.pid()));

        // Calls from another process (a bounded count), seen at the server end through node-b's
        // tap.
        constexpr int kCalls = 10;
        QProcess caller;
        caller.setStandardOutputFile(QProcess::nullDevice());
        caller.setStandardErrorFile(file(QStringLiteral("caller.err")));
        caller.start(meshxBinary(QStringLiteral("meshx")),
                     {"rpc-call", "--address", QString::fromStdString(far_.address()), "--fn",
                      "echo", "--arg", "\"far\"", "--count", QString::number(kCalls)});
        QVERIFY(caller.waitForFinished(60000));
        QCOMPARE(caller.exitCode(), 0);
        QTRY_VERIFY2_WITH_TIMEOUT(rowsOf(kFar, "echo") >= kCalls, qPrintable(state()), kLongWaitMs);
        for (const auto& r : page_->model()->history()) {
            if (r.service != kFar)
                continue;
            QCOMPARE(r.process, "meshx rpc-serve[" + std::to_string(far_.pid()) + "]");
        }
        QVERIFY(tapOf(kFar)->events >= static_cast<uint64_t>(kCalls));
        // The filter selects them by service.
        QVERIFY(page_->applyFilter(QStringLiteral("service == far-rpc-1 and fun == echo")));
        QTRY_VERIFY_WITH_TIMEOUT(page_->model()->rowCount() >= kCalls, test::kWaitMs);
    }

    // The taps that cannot be read are reported, each with why.
    void unreachableTapsAreReported() {
        QTRY_VERIFY2_WITH_TIMEOUT(tapOf(kLost) && tapOf(kGone) && !tapOf(kGone)->lastError.empty(),
                                  qPrintable(state()), kLongWaitMs);
        const auto lost = *tapOf(kLost);
        QVERIFY(lost.unreachable);
        QVERIFY(!lost.connected);
        QCOMPARE(lost.node, std::string("node-c"));
        QVERIFY2(lost.lastError.find("not reachable from here") != std::string::npos,
                 lost.lastError.c_str());
        QCOMPARE(lost.connects, 0);
        const auto gone = *tapOf(kGone);
        QVERIFY(!gone.unreachable);
        QVERIFY(!gone.connected);
        QCOMPARE(gone.node, std::string("node-d"));
        QCOMPARE(gone.connects, 0);
        QCOMPARE(gone.events, uint64_t{0});

        // The Taps tab lists them with their state and error.
        QTreeWidget* list = page_->tapList();
        QTRY_VERIFY_WITH_TIMEOUT(list->topLevelItemCount() >= 3, test::kWaitMs);
        auto row = [&](const QString& address) -> QTreeWidgetItem* {
            for (int i = 0; i < list->topLevelItemCount(); ++i)
                if (list->topLevelItem(i)->text(0) == address)
                    return list->topLevelItem(i);
            return nullptr;
        };
        QTRY_VERIFY_WITH_TIMEOUT(row(QStringLiteral("tcp://127.0.0.1:9")) != nullptr &&
                                     row(goneTap_) != nullptr && row(farTap_) != nullptr,
                                 test::kWaitMs);
        QCOMPARE(row(QStringLiteral("tcp://127.0.0.1:9"))->text(3),
                 QStringLiteral("not reachable"));
        QVERIFY(
            row(QStringLiteral("tcp://127.0.0.1:9"))->text(1).contains(QLatin1String("node-c")));
        QCOMPARE(row(goneTap_)->text(3), QStringLiteral("retrying"));
        QVERIFY(!row(goneTap_)->text(6).isEmpty());
        // node-b's tap is connected; on a loaded machine a subscription may be between a drop
        // and its retry at this instant, so its state is waited for (state() says why it
        // dropped).
        QTRY_VERIFY2_WITH_TIMEOUT(row(farTap_)->text(3) == QStringLiteral("connected"),
                                  qPrintable(row(farTap_)->text(3) + "\n" + state()), kLongWaitMs);
        QVERIFY(row(farTap_)->text(1).contains(QLatin1String("node-b")));
    }
};

QTEST_MAIN(TestTapCatalog)
#include "test_tap_catalog.moc"
