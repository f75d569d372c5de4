// The Nodes page on the real engine with a real `erl` peer served through the mesh: start our
// node (masked cookie), connect through the sidecars, list, rpc in Erlang syntax; a malformed
// argument list is shown inline and never sent; the cookie appears nowhere on screen.

#include <QComboBox>
#include <QFileInfo>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProcess>
#include <QPushButton>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableWidget>

#include "../console_fixture.h"
#include "consul/catalog_endpoints.h"
#include "consul/consul_api.h"
#include "engine/agent_monitor.h"
#include "mesh/consul_mesh.h"
#include "process_runner.h"
#include "ui/nodes/node_workbench.h"
#include "ui/nodes/nodes_page.h"
#include "ui/shell/console_context.h"
#include "ui/shell/console_session.h"
#include "ui/shell/main_window.h"
#include "ui/shell/mesh_runner.h"

using namespace meshx;
using namespace meshx::ui;

namespace {
const QString kCookie = QStringLiteral("GUITESTCOOKIE7301");
}

class TestNodePage : public QObject {
    Q_OBJECT

  private:
    MainWindow* window_ = nullptr;
    NodesPage* page_ = nullptr;
    QProcess erl_;
    QByteArray erlOut_;

    template <typename T>
    T* find(const char* name) {
        auto* w = page_->findChild<T*>(QString::fromLatin1(name));
        if (!w) {
            qFatal("no widget %s", name);
        }
        return w;
    }

    QString results() { return find<QPlainTextEdit>("nodeRpcResults")->toPlainText(); }

    void rpc(const QString& module, const QString& function, const QString& args,
             const QString& expected) {
        find<QLineEdit>("nodeRpcModule")->setText(module);
        find<QLineEdit>("nodeRpcFunction")->setText(function);
        find<QLineEdit>("nodeRpcArgs")->setText(args);
        QVERIFY(find<QPushButton>("nodeRpcCall")->isEnabled());
        const auto before = results().size();
        find<QPushButton>("nodeRpcCall")->click();
        QTRY_VERIFY_WITH_TIMEOUT(results().size() > before, test::kWaitMs);
        const QString last = results().split(QLatin1Char('\n')).last();
        QVERIFY2(last.contains(QStringLiteral("→ ") + expected), qPrintable(last));
    }

  private slots:
    void initTestCase() {
        test::isolateSettings("test_node_page");
        if (!NodeWorkbench::available()) {
            QSKIP("built without erl_interface");
        }
        if (QStandardPaths::findExecutable(QStringLiteral("erl")).isEmpty()) {
            QSKIP("erl is not installed (Debian package erlang-base)");
        }
        QVERIFY2(QFileInfo(meshxBinary(QStringLiteral("meshx-proxy"))).isExecutable(),
                 "build the meshx-proxy target first");
        MeshConfig config = test::consoleTestConfig();
        config.proxyTemplate = "meshx-proxy";
        auto session = ConsoleSession::create(config, true);
        QVERIFY(session.ok());
        window_ = new MainWindow;
        window_->setSession(std::move(*session));
        window_->resize(1400, 900);
        window_->show();
        window_->showTab(QStringLiteral("nodes"));
        QVERIFY(QTest::qWaitForWindowExposed(window_));
        QTRY_VERIFY_WITH_TIMEOUT(window_->context()->monitor().reachable(), test::kWaitMs);
        page_ = qobject_cast<NodesPage*>(window_->tabs()->widget(
            static_cast<int>(MainWindow::tabNames().indexOf(QStringLiteral("nodes")))));
        QVERIFY(page_);
    }

    void cleanupTestCase() {
        if (erl_.state() != QProcess::NotRunning) {
            erl_.kill();
            erl_.waitForFinished(10000);
        }
        delete window_;
    }

    void startConnectRpc() {
        auto* cookie = find<QLineEdit>("nodeCookie");
        QCOMPARE(cookie->echoMode(), QLineEdit::Password);
        QVERIFY(!find<QPushButton>("nodeStart")->isEnabled());  // no cookie yet
        find<QLineEdit>("nodeName")->setText(QStringLiteral("gui@127.0.0.1"));
        cookie->setText(kCookie);
        find<QPushButton>("nodeStart")->click();
        QTRY_VERIFY_WITH_TIMEOUT(page_->workbench().started(), 60000);
        QCOMPARE(page_->workbench().serviceId(), QStringLiteral("gui@127.0.0.1"));
        auto& mesh = window_->context()->session().mesh();
        auto owned = mesh.list();
        QVERIFY(std::find(owned.begin(), owned.end(), "gui@127.0.0.1") != owned.end());

        // A real OTP node served as peer@any: its service first, erl on the service's port.
        std::optional<mesh::Started> started;
        window_->context()->session().runner().command<Result<mesh::Started>>(
            QStringLiteral("start peer"),
            [&mesh, tmpl = window_->context()->session().engine().defaultTemplate()] {
                return mesh.start(mesh::ServiceParams::namedWithId("peer@any", "peer@any-1"), tmpl,
                                  false, std::chrono::seconds(30));
            },
            this,
            [&started](Result<mesh::Started> r) {
                QVERIFY2(r.ok(), r ? "" : r.error().message.c_str());
                started = *r;
            });
        QTRY_VERIFY_WITH_TIMEOUT(started.has_value(), 60000);
        connect(&erl_, &QProcess::readyReadStandardOutput, this,
                [this] { erlOut_ += erl_.readAllStandardOutput(); });
        erl_.start(QStringLiteral("erl"),
                   {QStringLiteral("-sname"), QStringLiteral("peer@any"),
                    QStringLiteral("-setcookie"), kCookie, QStringLiteral("-start_epmd"),
                    QStringLiteral("false"), QStringLiteral("-erl_epmd_port"),
                    QString::number(started->address.port()), QStringLiteral("-noinput"),
                    QStringLiteral("-eval"), QStringLiteral("io:format(\"peer-ready~n\").")});
        QTRY_VERIFY_WITH_TIMEOUT(erlOut_.contains("peer-ready"), 60000);

        // Connect goes only to a node service with a passing instance (sidecar included).
        auto& api = window_->context()->session().api();
        auto passing = [&api] {
            consul::endpoints::HealthQuery q;
            q.passing = true;
            auto r = api.call(consul::endpoints::healthConnect("peer@any", q));
            return r ? static_cast<int>(r->value.size()) : -1;
        };
        QTRY_COMPARE_WITH_TIMEOUT(passing(), 1, 60000);

        find<QLineEdit>("nodePeer")->setText(QStringLiteral("peer@any"));
        find<QPushButton>("nodeConnect")->click();
        auto* peers = find<QTableWidget>("nodePeers");
        QTRY_VERIFY2_WITH_TIMEOUT(
            peers->rowCount() == 1,
            qPrintable(page_->findChild<QLabel*>(QStringLiteral("nodesHint"))->text()), 90000);
        QTRY_VERIFY_WITH_TIMEOUT(peers->rowCount() == 1 && peers->item(0, 0) &&
                                     peers->item(0, 0)->text() == QLatin1String("peer@any"),
                                 60000);

        // Malformed arguments: the error shows under the field and Call stays disabled.
        find<QLineEdit>("nodeRpcArgs")->setText(QStringLiteral("[1, {two"));
        auto* error = find<QLabel>("nodeRpcArgsError");
        QVERIFY(!error->isHidden());
        QVERIFY2(error->text().contains(QLatin1String("line 1")), qPrintable(error->text()));
        QVERIFY(!find<QPushButton>("nodeRpcCall")->isEnabled());

        find<QComboBox>("nodeRpcNode")->setEditText(QStringLiteral("peer@any"));
        rpc(QStringLiteral("erlang"), QStringLiteral("node"), QStringLiteral("[]"),
            QStringLiteral("peer@any"));
        rpc(QStringLiteral("lists"), QStringLiteral("reverse"), QStringLiteral("[[1, two, \"3\"]]"),
            QStringLiteral("[\"3\",two,1]"));
        rpc(QStringLiteral("erlang"), QStringLiteral("list_to_tuple"),
            QStringLiteral("[[ok, #{a => 1}, <<\"bin\">>]]"),
            QStringLiteral("{ok,#{a => 1},<<\"bin\">>}"));

        // The cookie is nowhere to be read on screen.
        for (auto* label : window_->findChildren<QLabel*>()) {
            QVERIFY2(!label->text().contains(kCookie), qPrintable(label->objectName()));
        }
        for (auto* text : window_->findChildren<QPlainTextEdit*>()) {
            QVERIFY2(!text->toPlainText().contains(kCookie), qPrintable(text->objectName()));
        }
        QVERIFY(!cookie->isEnabled());  // fixed while the node runs

        // Stop: the node service goes away with the node.
        find<QPushButton>("nodeStop")->click();
        QTRY_VERIFY_WITH_TIMEOUT(!page_->workbench().started(), test::kWaitMs);
        QTRY_VERIFY_WITH_TIMEOUT(
            [&mesh] {
                auto ids = mesh.list();
                return std::find(ids.begin(), ids.end(), "gui@127.0.0.1") == ids.end();
            }(),
            test::kWaitMs);
        erl_.kill();
        erl_.waitForFinished(10000);
        (void)mesh.stop("peer@any-1");
    }
};

QTEST_MAIN(TestNodePage)
#include "test_node_page.moc"
