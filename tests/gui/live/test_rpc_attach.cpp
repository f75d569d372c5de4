// Issue 17.4: the RPC page attaches to a MeshxRpc service it did not start. A real meshx-agent,
// one `meshx rpc-serve` (registered through its own engine, with its meshx-proxy sidecar) as a
// separate process, and the console on the same agent: the page lists the running service,
// "Attach to instance" opens a pool on its address and a first ping answers, calls return the
// provider's results, and the telemetry page shows the calls from both ends — the console's
// pool (its own bus) and the provider's server end (read through the provider's tap).

#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <memory>

#include <nlohmann/json.hpp>

#include "../console_fixture.h"
#include "agent_process.h"
#include "engine/agent_monitor.h"
#include "integration/rpc/rpc_serve_process.h"
#include "mesh_process_env.h"
#include "ui/rpc/rpc_page.h"
#include "ui/rpc/rpc_workbench.h"
#include "ui/shell/console_context.h"
#include "ui/shell/main_window.h"
#include "ui/telemetry/telemetry_page.h"
#include "ui/telemetry/telemetry_stream_model.h"

using namespace meshx;
using namespace meshx::ui;
using nlohmann::json;

namespace {

constexpr const char* kService = "attachsvc";
constexpr const char* kInstance = "attachsvc-1";
constexpr int kLongWaitMs = 90000;  // a process, its sidecar and certificates on a loaded machine

}  // namespace

class TestRpcAttach : public QObject {
    Q_OBJECT

    std::unique_ptr<AgentProcess> agent_;
    QTemporaryDir dir_;
    RpcServeProcess provider_;
    std::unique_ptr<MainWindow> window_;
    RpcPage* rpc_ = nullptr;
    TelemetryPage* telemetry_ = nullptr;

    QString file(const QString& name) const { return dir_.filePath(name); }
    // The history's request rows of function `fun` from `source`; `service` non-empty: only
    // those read from the tap of that service's process.
    int requests(const char* source, const char* fun, const char* service = "") const {
        int n = 0;
        for (const auto& r : telemetry_->model()->history())
            n += r.isRequest() && r.source == source && r.fun == fun &&
                         (*service == '\0' || r.service == service)
                     ? 1
                     : 0;
        return n;
    }
    QString listed() const {
        auto* box = rpc_->findChild<QComboBox*>(QStringLiteral("rpcAgentServices"));
        QStringList items;
        for (int i = 0; box != nullptr && i < box->count(); ++i)
            items << box->itemText(i);
        QStringList services;
        if (window_->context() != nullptr)
            for (const auto& [id, svc] : window_->context()->monitor().snapshot().services)
                services << QString::fromStdString(id + " kind=" + svc.kind);
        return QStringLiteral("listed: [%1]; agent: [%2]")
            .arg(items.join(QStringLiteral(" | ")), services.join(QStringLiteral(", ")));
    }
    // Calls `fun` through the page's pool and waits (bounded) for its outcome.
    void call(const QString& fun, const json& arg, RpcWorkbench::CallOutcome& outcome) {
        bool done = false;
        rpc_->workbench().call(fun, arg, false, this, [&](RpcWorkbench::CallOutcome o) {
            outcome = std::move(o);
            done = true;
        });
        QTRY_VERIFY_WITH_TIMEOUT(done, test::kWaitMs);
    }

  private slots:
    void initTestCase() {
        test::isolateSettings("test_rpc_attach");
        QVERIFY(dir_.isValid());
        for (const char* bin : {"meshx", "meshx-proxy", "meshx-agent"})
            QVERIFY2(QFileInfo(meshxBinary(QString::fromLatin1(bin))).isExecutable(), bin);
        agent_ = std::make_unique<AgentProcess>(0);
        QVERIFY2(agent_->ok(), qPrintable(agent_->output()));

        // The provider: its own engine, config (a port range of its own) and runtime directory.
        QString envError;
        const auto env = meshProcessEnvironment(dir_, agent_->address(), {38100, 38999}, &envError);
        QVERIFY2(env, qPrintable(envError));
        QVERIFY2(provider_.start({"--service", kService, "--id", kInstance, "--min-sleep", "1",
                                  "--max-sleep", "5"},
                                 *env, file(QStringLiteral("provider.err"))),
                 qPrintable(provider_.errors()));

        // The console on the same agent: it started nothing.
        QString error;
        window_ = test::openConsoleOn(agent_->address(), QSize(1200, 800), &error);
        QVERIFY2(window_, qPrintable(error));
        rpc_ = window_->findChild<RpcPage*>();
        telemetry_ = window_->findChild<TelemetryPage*>();
        QVERIFY(rpc_ && telemetry_);
    }

    void cleanupTestCase() {
        if (rpc_ != nullptr && rpc_->workbench().poolOpen()) {
            bool closed = false;
            rpc_->workbench().closePool([&] { closed = true; });
            QTRY_VERIFY_WITH_TIMEOUT(closed, test::kWaitMs);
        }
        window_.reset();
        provider_.terminate();
    }

    void attachesCallsAndShowsTelemetry() {
        window_->showTab(QStringLiteral("rpc"));
        // The running provider is listed (its sidecar is not: not an RPC server).
        QTRY_VERIFY2_WITH_TIMEOUT(rpc_->selectAgentService(QString::fromLatin1(kInstance)),
                                  qPrintable(listed()), kLongWaitMs);
        auto* box = rpc_->findChild<QComboBox*>(QStringLiteral("rpcAgentServices"));
        QVERIFY(box);
        for (int i = 0; i < box->count(); ++i)
            QVERIFY2(!box->itemText(i).contains(QLatin1String("sidecar")), qPrintable(listed()));
        QVERIFY2(
            box->currentText().contains(QString::fromStdString(provider_.address())),
            qPrintable(box->currentText() + " vs " + QString::fromStdString(provider_.address())));
        auto* attach = rpc_->findChild<QPushButton*>(QStringLiteral("rpcAttach"));
        QVERIFY(attach && attach->isEnabled());

        QSignalSpy ready(rpc_, &RpcPage::poolReady);
        attach->click();
        QTRY_COMPARE_WITH_TIMEOUT(ready.count(), 1, kLongWaitMs);
        QVERIFY(ready.at(0).at(0).toBool());
        QVERIFY(rpc_->workbench().poolOpen());

        // Calls reach the provider's functions and come back with its answers.
        RpcWorkbench::CallOutcome echoed;
        call(QStringLiteral("echo"), json{{"hello", "attach"}}, echoed);
        QVERIFY2(echoed.ok, qPrintable(echoed.text));
        QCOMPARE(json::parse(echoed.text.toStdString()), (json{{"hello", "attach"}}));
        constexpr int kWork = 5;
        for (int i = 0; i < kWork; ++i) {
            RpcWorkbench::CallOutcome worked;
            call(QStringLiteral("do_work"), json::array({1, 2}), worked);
            QVERIFY2(worked.ok, qPrintable(worked.text));
            QVERIFY2(worked.text.contains(QLatin1String(kInstance)), qPrintable(worked.text));
        }

        // The telemetry page shows the calls: the pool's end from this console's bus (no
        // process) and the provider's end from its tap, tagged with its service.
        QTRY_VERIFY_WITH_TIMEOUT(
            requests("rpc.client", "do_work") >= kWork && requests("rpc.client", "echo") >= 1,
            test::kWaitMs);
        for (const auto& r : telemetry_->model()->history()) {
            if (r.source == "rpc.client" && r.fun == "do_work") {
                QVERIFY(r.process.empty());
                QCOMPARE(r.remoteSvc, std::string(kInstance));
                QVERIFY2(r.ok(), r.result.c_str());
            }
        }
        QTRY_VERIFY2_WITH_TIMEOUT(
            requests("rpc.server", "do_work", kInstance) >= kWork,
            qPrintable(QString::number(requests("rpc.server", "do_work", kInstance))), kLongWaitMs);
        QVERIFY(telemetry_->applyFilter(
            QStringLiteral("source == rpc.server and service == attachsvc-1 and fun == echo")));
        QTRY_VERIFY_WITH_TIMEOUT(telemetry_->model()->rowCount() >= 1, test::kWaitMs);
    }
};

QTEST_MAIN(TestRpcAttach)
#include "test_rpc_attach.moc"
