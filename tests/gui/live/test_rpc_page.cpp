// The RPC page on the real engine: an in-process dev agent, real meshx-proxy sidecars on both
// ends, the page's own RPC server and client pool. Calls show their result; the load panel
// shows which of two instances served each call.

#include <QComboBox>
#include <QFileInfo>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTabWidget>

#include "../console_fixture.h"
#include "consul/catalog_endpoints.h"
#include "consul/consul_api.h"
#include "engine/agent_monitor.h"
#include "mesh/consul_mesh.h"
#include "process_runner.h"
#include "rpc/rpc_server.h"
#include "ui/rpc/demo_functions.h"
#include "ui/rpc/instance_count_model.h"
#include "ui/rpc/rpc_page.h"
#include "ui/rpc/rpc_workbench.h"
#include "ui/shared/hint_line.h"
#include "ui/shell/console_context.h"
#include "ui/shell/console_session.h"
#include "ui/shell/main_window.h"
#include "ui/shell/mesh_runner.h"

using namespace meshx;
using namespace meshx::ui;

class TestRpcPage : public QObject {
    Q_OBJECT

  private:
    MainWindow* window_ = nullptr;
    RpcPage* page_ = nullptr;

    template <typename T>
    T* find(const char* name) {
        auto* w = page_->findChild<T*>(QString::fromLatin1(name));
        if (!w) {
            qFatal("no widget %s", name);
        }
        return w;
    }

    QString results() { return find<QPlainTextEdit>("rpcResults")->toPlainText(); }
    qsizetype lines() {
        const QString text = results();
        return text.isEmpty() ? 0 : text.split(QLatin1Char('\n')).size();
    }

    void callAndExpect(const QString& fun, const QString& args, const QString& expected) {
        find<QComboBox>("rpcFunction")->setEditText(fun);
        find<QLineEdit>("rpcArgs")->setText(args);
        QVERIFY(find<QPushButton>("rpcCall")->isEnabled());
        const auto before = lines();
        find<QPushButton>("rpcCall")->click();
        QTRY_VERIFY_WITH_TIMEOUT(lines() > before, test::kWaitMs);
        const QString last = results().split(QLatin1Char('\n')).last();
        QVERIFY2(last.contains(expected), qPrintable(last));
    }

  private slots:
    void initTestCase() {
        test::isolateSettings("test_rpc_page");
        QVERIFY2(QFileInfo(meshxBinary(QStringLiteral("meshx-proxy"))).isExecutable(),
                 "build the meshx-proxy target first");
        MeshConfig config = test::consoleTestConfig();
        config.proxyTemplate = "meshx-proxy";  // real sidecars carry the calls
        auto session = ConsoleSession::create(config, true);
        QVERIFY(session.ok());
        window_ = new MainWindow;
        window_->setSession(std::move(*session));
        window_->resize(1400, 900);
        window_->show();
        window_->showTab(QStringLiteral("rpc"));
        QVERIFY(QTest::qWaitForWindowExposed(window_));
        QTRY_VERIFY_WITH_TIMEOUT(window_->context()->monitor().reachable(), test::kWaitMs);
        page_ = qobject_cast<RpcPage*>(window_->tabs()->widget(
            static_cast<int>(MainWindow::tabNames().indexOf(QStringLiteral("rpc")))));
        QVERIFY(page_);
    }

    void cleanupTestCase() { delete window_; }

    // Server on a new service, pool on its upstream, then call and cast through two sidecars.
    void callShowsResult() {
        QVERIFY(!find<QPushButton>("rpcCall")->isEnabled());  // no pool yet
        find<QLineEdit>("rpcServiceName")->setText(QStringLiteral("calc"));
        find<QPushButton>("rpcStartServer")->click();
        QTRY_VERIFY_WITH_TIMEOUT(page_->workbench().serverRunning(), test::kWaitMs);
        const QString instance = page_->workbench().serverInstance();
        QVERIFY(instance.startsWith(QLatin1String("calc-")));
        QVERIFY(find<QLabel>("rpcServerState")->text().contains(QLatin1String("listening")));

        find<QLineEdit>("rpcUpstreamName")->setText(QStringLiteral("calc"));
        find<QSpinBox>("rpcPoolSize")->setValue(4);
        QSignalSpy ready(page_, &RpcPage::poolReady);
        find<QPushButton>("rpcOpenPool")->click();
        // Open once a first ping came back through both sidecars.
        QTRY_VERIFY_WITH_TIMEOUT(ready.count() == 1, 90000);
        QVERIFY(ready.front().front().toBool());
        QVERIFY(page_->workbench().poolOpen());

        // A bad argument is refused before anything is sent.
        find<QLineEdit>("rpcArgs")->setText(QStringLiteral("{not json"));
        QVERIFY(!find<QPushButton>("rpcCall")->isEnabled());

        // The first call may wait for the upstream listener and the sidecars' certificates.
        callAndExpect(QStringLiteral("echo"), QStringLiteral("{\"x\": [1, 2, \"three\"]}"),
                      QStringLiteral("→ {\"x\":[1,2,\"three\"]}"));
        callAndExpect(QStringLiteral("ping"), QString(), QStringLiteral("→ \"pong\""));
        callAndExpect(QStringLiteral("do_work"), QStringLiteral("[5, 20]"),
                      QStringLiteral("served by ") + instance);
        callAndExpect(QStringLiteral("no_such_function"), QString(), QStringLiteral("undef"));

        find<QLineEdit>("rpcArgs")->setText(QStringLiteral("\"cast me\""));
        const auto before = lines();
        find<QPushButton>("rpcCast")->click();
        QTRY_VERIFY_WITH_TIMEOUT(lines() > before, test::kWaitMs);
        QVERIFY2(results().split(QLatin1Char('\n')).last().contains(QLatin1String("cast")),
                 qPrintable(results()));
        QVERIFY2(results().split(QLatin1Char('\n')).last().contains(QLatin1String("acknowledged")),
                 qPrintable(results()));
    }

    // A second instance of the same service (its own sidecar and RPC server): the load panel
    // counts calls served by both.
    void loadPanelShowsTwoInstances() {
        QVERIFY(page_->workbench().poolOpen());
        auto& mesh = window_->context()->session().mesh();
        std::optional<mesh::Started> started;
        window_->context()->session().runner().command<Result<mesh::Started>>(
            QStringLiteral("start calc-b"),
            [&mesh, tmpl = window_->context()->session().engine().defaultTemplate()] {
                return mesh.start(mesh::ServiceParams::namedWithId("calc", "calc-b"), tmpl, false,
                                  std::chrono::seconds(30));
            },
            this,
            [&started](Result<mesh::Started> r) {
                QVERIFY2(r.ok(), r ? "" : r.error().message.c_str());
                started = *r;
            });
        QTRY_VERIFY_WITH_TIMEOUT(started.has_value(), 60000);
        rpc::RpcServerOptions options;
        options.address = started->address;
        rpc::RpcServer second(options);
        QVERIFY(addDemoFunctions(second, "calc-b").ok());
        QVERIFY(second.start().ok());

        // Both instances pass with their sidecars before load is put on them.
        auto& api = window_->context()->session().api();
        auto passing = [&api] {
            consul::endpoints::HealthQuery q;
            q.passing = true;
            auto r = api.call(consul::endpoints::healthConnect("calc", q));
            return r ? static_cast<int>(r->value.size()) : -1;
        };
        QTRY_COMPARE_WITH_TIMEOUT(passing(), 2, 60000);

        // Until the upstream sidecar sees calc-b pass, the calls all go to the first instance:
        // run rounds (bounded) until one is shared by both.
        const QString first = page_->workbench().serverInstance();
        // 20 at once need 20 workers (a pool answers `full` rather than queue).
        find<QSpinBox>("rpcPoolSize")->setValue(20);
        find<QSpinBox>("rpcLoadCalls")->setValue(20);
        find<QSpinBox>("rpcLoadConcurrency")->setValue(20);
        find<QSpinBox>("rpcLoadMin")->setValue(20);
        find<QSpinBox>("rpcLoadMax")->setValue(60);
        InstanceCountModel& counts = page_->workbench().counts();
        bool both = false;
        for (int round = 0; round < 15 && !both; ++round) {
            // A fresh pool each round: new connections are what the sidecar spreads.
            page_->workbench().closePool();
            QTRY_VERIFY_WITH_TIMEOUT(find<QSpinBox>("rpcPoolSize")->isEnabled(), test::kWaitMs);
            find<QSpinBox>("rpcPoolSize")->setValue(20);
            QSignalSpy ready(page_, &RpcPage::poolReady);
            find<QPushButton>("rpcOpenPool")->click();
            QTRY_VERIFY_WITH_TIMEOUT(ready.count() == 1, 90000);
            QVERIFY(ready.front().front().toBool());
            QTRY_VERIFY_WITH_TIMEOUT(find<QPushButton>("rpcRunLoad")->isEnabled(), test::kWaitMs);
            find<QPushButton>("rpcRunLoad")->click();
            QTRY_VERIFY_WITH_TIMEOUT(!page_->workbench().loadRunning(), 60000);
            const auto& s = page_->workbench().lastLoad();
            QVERIFY2(s.failed == 0, qPrintable(s.firstError));
            QCOMPARE(s.ok, 20);
            const int run = counts.runCount() - 1;
            QCOMPARE(counts.count(run, first) + counts.count(run, QStringLiteral("calc-b")), 20);
            both = counts.servingInstances(run).size() == 2;
        }
        QVERIFY2(both, "no load run was served by both instances");
        // The table shows both rows, and the hint says so in words.
        QVERIFY(counts.instances().contains(first));
        QVERIFY(counts.instances().contains(QStringLiteral("calc-b")));
        const QString hint = find<HintLine>("rpcHint")->text();
        QVERIFY2(hint.contains(QLatin1String("calc-b")) && hint.contains(first), qPrintable(hint));

        page_->workbench().closePool();
        second.stop();
        (void)mesh.stop("calc-b");
    }
};

QTEST_MAIN(TestRpcPage)
#include "test_rpc_page.moc"
