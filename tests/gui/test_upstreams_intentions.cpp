#include <QCheckBox>
#include <QTableView>

#include "common/hostname.h"
#include "console_fixture.h"
#include "engine/agent_monitor.h"
#include "mesh/consul_mesh.h"
#include "ui/intentions/intentions_view.h"
#include "ui/services/services_view.h"
#include "ui/shared/hint_line.h"
#include "ui/shared/intentions_model.h"
#include "ui/shared/upstreams_model.h"
#include "ui/shell/console_context.h"
#include "ui/shell/main_window.h"
#include "ui/shell/start_preview.h"
#include "ui/upstreams/upstreams_view.h"

using namespace meshx;
using namespace meshx::ui;

// Upstreams and intentions on the real engine: connect shows the bind address and the
// destination's health (which follows the destination's checks), disconnect removes it and
// restarts the proxy when asked, and an intention created as deny is listed and turns the
// upstream it decides critical, then deleted.
class TestUpstreamsIntentions : public QObject {
    Q_OBJECT

  private:
    MainWindow* window_ = nullptr;
    QString proxyId_ = QString::fromStdString("upstream-" + shortHostname());

    UpstreamsModel& upstreams() { return window_->context()->upstreams(); }
    const UpstreamsModel::Row* upstream(const QString& destination) {
        const int r = upstreams().rowOf(proxyId_, destination);
        return upstreams().rowAt(r);
    }

  private slots:
    void initTestCase() {
        test::isolateSettings("test_upstreams_intentions");
        window_ = new MainWindow;
        window_->setSession(test::openTestSession());
        window_->show();
        QVERIFY(QTest::qWaitForWindowExposed(window_));
        QTRY_VERIFY_WITH_TIMEOUT(window_->context()->monitor().reachable(), test::kWaitMs);

        StartPreview::Input in;
        in.name = QStringLiteral("api");
        in.id = QStringLiteral("api-1");
        const StartPreview p =
            StartPreview::build(in, window_->context()->session().engine().defaultTemplate(),
                                window_->context()->session().mesh());
        QVERIFY2(p.ok(), qPrintable(p.error));
        window_->page<ServicesView>()->startService(p, false);
        QTRY_VERIFY_WITH_TIMEOUT(window_->context()->owned().count("api-1") > 0, test::kWaitMs);
    }

    void cleanupTestCase() { delete window_; }

    void connectShowsBindAddressAndDestinationHealth() {
        UpstreamsView* view = window_->page<UpstreamsView>();
        view->connectUpstream(QStringLiteral("api"), QString());
        QTRY_VERIFY_WITH_TIMEOUT(upstream(QStringLiteral("api")), test::kWaitMs);
        QTRY_COMPARE_WITH_TIMEOUT(view->hint()->kind(), HintLine::Kind::Success, test::kWaitMs);
        const auto* row = upstream(QStringLiteral("api"));
        QVERIFY2(QString::fromStdString(row->bind).startsWith(QLatin1String("127.0.0.1:")),
                 row->bind.c_str());
        QVERIFY(row->owned);
        QTRY_VERIFY_WITH_TIMEOUT(upstream(QStringLiteral("api"))->health.known &&
                                     upstream(QStringLiteral("api"))->health.passing == 1,
                                 test::kWaitMs);
        const int r = upstreams().rowOf(proxyId_, QStringLiteral("api"));
        QCOMPARE(upstreams().index(r, UpstreamsModel::DestinationHealth).data().toString(),
                 QStringLiteral("1/1 healthy"));

        // The destination failing shows in the upstream's health.
        window_->page<ServicesView>()->selectService(QStringLiteral("api-1"));
        window_->page<ServicesView>()->setTtlOfSelected(QStringLiteral("critical"));
        QTRY_VERIFY_WITH_TIMEOUT(upstream(QStringLiteral("api"))->health.passing == 0,
                                 test::kWaitMs);
        QCOMPARE(upstreams().index(r, 0).data(UpstreamsModel::HealthRole).toString(),
                 QStringLiteral("critical"));
        window_->page<ServicesView>()->setTtlOfSelected(QStringLiteral("passing"));
        QTRY_VERIFY_WITH_TIMEOUT(upstream(QStringLiteral("api"))->health.passing == 1,
                                 test::kWaitMs);
    }

    void denyIsListedThenDeleted() {
        IntentionsView* view = window_->page<IntentionsView>();
        auto& model = window_->context()->intentions();
        view->create(proxyId_, QStringLiteral("api"), QStringLiteral("deny"),
                     QStringLiteral("test"));
        QTRY_VERIFY_WITH_TIMEOUT(model.rowOf(proxyId_, QStringLiteral("api")) >= 0, test::kWaitMs);
        const int r = model.rowOf(proxyId_, QStringLiteral("api"));
        QCOMPARE(model.index(r, IntentionsModel::Action).data().toString(), QStringLiteral("deny"));
        // The agent's answer and the watch's news of the change race: wait for both.
        QTRY_COMPARE_WITH_TIMEOUT(view->hint()->kind(), HintLine::Kind::Success, test::kWaitMs);
        // The upstream it decides turns critical, saying why, though api itself passes.
        auto upstreamCell = [this](int column, int role) {
            return upstreams()
                .index(upstreams().rowOf(proxyId_, QStringLiteral("api")), column)
                .data(role);
        };
        QTRY_VERIFY_WITH_TIMEOUT(upstreamCell(0, UpstreamsModel::DeniedRole).toBool(),
                                 test::kWaitMs);
        QCOMPARE(upstreamCell(0, UpstreamsModel::HealthRole).toString(),
                 QStringLiteral("critical"));
        QCOMPARE(upstreamCell(UpstreamsModel::DestinationHealth, Qt::DisplayRole).toString(),
                 QStringLiteral("denied · 1/1 healthy"));
        QVERIFY(upstreamCell(UpstreamsModel::DestinationHealth, Qt::ToolTipRole)
                    .toString()
                    .contains(QLatin1String("Action: DENY")));
        // Replacing it with allow updates the same row.
        view->create(proxyId_, QStringLiteral("api"), QStringLiteral("allow"));
        QTRY_COMPARE_WITH_TIMEOUT(
            model.index(model.rowOf(proxyId_, QStringLiteral("api")), IntentionsModel::Action)
                .data()
                .toString(),
            QStringLiteral("allow"), test::kWaitMs);
        QTRY_VERIFY_WITH_TIMEOUT(!upstreamCell(0, UpstreamsModel::DeniedRole).toBool(),
                                 test::kWaitMs);
        QCOMPARE(upstreamCell(0, UpstreamsModel::HealthRole).toString(), QStringLiteral("passing"));
        QVERIFY(view->selectIntention(proxyId_, QStringLiteral("api")));
        view->deleteSelected();
        QTRY_VERIFY_WITH_TIMEOUT(model.rowOf(proxyId_, QStringLiteral("api")) < 0, test::kWaitMs);

        // A refusal from the agent is said in words.
        view->create(QString(), QStringLiteral("api"), QStringLiteral("deny"));
        QTRY_COMPARE_WITH_TIMEOUT(view->hint()->kind(), HintLine::Kind::Error, test::kWaitMs);
    }

    // With "Restart proxy on disconnect" the upstream goes and the proxy really restarts: the
    // engine's supervisor runs a new process, the old one having been stopped for it.
    void disconnectRemovesTheUpstreamAndRestartsTheProxy() {
        auto& mesh = window_->context()->session().mesh();
        const std::string proxyId = proxyId_.toStdString();
        const auto before = mesh.proxyInfo(proxyId);
        QVERIFY2(before.ok(), before.ok() ? "" : before.error().toString().c_str());
        QVERIFY(before->pid > 0);

        UpstreamsView* view = window_->page<UpstreamsView>();
        view->restartOnDisconnect()->setChecked(true);
        QTRY_VERIFY_WITH_TIMEOUT(view->selectUpstream(proxyId_, QStringLiteral("api")),
                                 test::kWaitMs);
        view->disconnectSelected();
        QTRY_VERIFY_WITH_TIMEOUT(!upstream(QStringLiteral("api")), test::kWaitMs);
        QTRY_COMPARE_WITH_TIMEOUT(view->hint()->kind(), HintLine::Kind::Success, test::kWaitMs);
        QVERIFY(view->hint()->text().contains(QLatin1String("restarted")));

        // The sleeper proxy also exits by itself after a minute (then its supervisor restarts
        // it, counted, "exit code 0"): only a stop for the restart ends it with SIGTERM.
        auto restarted = [&] {
            const auto now = mesh.proxyInfo(proxyId);
            return now.ok() && now->state == mesh::ProxyState::Running && now->pid > 0 &&
                   now->pid != before->pid && now->lastExitReason == "signal 15 (SIGTERM)";
        };
        QTRY_VERIFY_WITH_TIMEOUT(restarted(), test::kWaitMs);
        QCOMPARE(mesh.proxyInfo(proxyId)->restarts, 0);  // asked for, so not counted as a crash
    }
};

QTEST_MAIN(TestUpstreamsIntentions)
#include "test_upstreams_intentions.moc"
