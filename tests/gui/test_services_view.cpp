#include <QHeaderView>
#include <QLabel>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTableView>

#include "console_fixture.h"
#include "consul/agent_endpoints.h"
#include "consul/consul_api.h"
#include "engine/agent_monitor.h"
#include "ui/services/services_view.h"
#include "ui/services/start_service_dialog.h"
#include "ui/shared/health_history_model.h"
#include "ui/shared/hint_line.h"
#include "ui/shared/service_filter_model.h"
#include "ui/shared/services_model.h"
#include "ui/shell/console_context.h"
#include "ui/shell/main_window.h"
#include "ui/shell/service_commands.h"

using namespace meshx;
using namespace meshx::ui;

// The services view driven through its model and actions, on the real engine and an in-process
// dev agent: start, health changes, history, search, info, stop, and nothing sent while invalid.
class TestServicesView : public QObject {
    Q_OBJECT

  private:
    MainWindow* window_ = nullptr;

    ServicesView* view() { return window_->page<ServicesView>(); }
    ServicesModel& model() { return window_->context()->services(); }
    const ServicesModel::Row* row(const char* id) { return model().find(QString::fromLatin1(id)); }
    QString health(const char* id) {
        const auto* r = row(id);
        return r ? QString::fromStdString(r->health) : QString();
    }

    StartPreview previewFor(const QString& name, const QString& id, const QString& templ) {
        StartServiceDialog dialog(window_->context()->session().mesh(),
                                  window_->context()->session().config());
        dialog.prefill(name, id, false);
        if (!dialog.selectTemplate(templ)) {
            qWarning("no template %s", qPrintable(templ));
        }
        return dialog.preview();
    }

  private slots:
    void initTestCase() {
        test::isolateSettings("test_services_view");
        window_ = new MainWindow;
        window_->setSession(test::openTestSession());
        window_->show();
        QVERIFY(QTest::qWaitForWindowExposed(window_));
        QTRY_VERIFY_WITH_TIMEOUT(window_->context()->monitor().reachable(), test::kWaitMs);
    }

    void cleanupTestCase() { delete window_; }

    void statusBarNamesTheAgentNotTheToken() {
        auto* status = window_->findChild<QLabel*>(QStringLiteral("agentStatus"));
        QVERIFY(status);
        QTRY_VERIFY_WITH_TIMEOUT(status->text().contains(QLatin1String("datacenter dc1")),
                                 test::kWaitMs);
        QVERIFY(status->text().contains(window_->session()->agentAddress()));
        QVERIFY(status->text().contains(QLatin1String("no token")));
        QVERIFY(status->text().contains(QLatin1String("node ")));
    }

    void invalidInputIsNeverSent() {
        StartServiceDialog dialog(window_->context()->session().mesh(),
                                  window_->context()->session().config());
        dialog.prefill(QStringLiteral("bad"), QStringLiteral("bad-1"), false);
        auto* editor = dialog.findChild<QPlainTextEdit*>(QStringLiteral("templateEditor"));
        auto* start = dialog.findChild<QPushButton*>(QStringLiteral("startButton"));
        QVERIFY(editor && start);
        QVERIFY(start->isEnabled());
        editor->setPlainText(QStringLiteral("{\"registration\": {\"Name\": \"{{nope}}\"}}"));
        dialog.updatePreview();
        QVERIFY(!dialog.preview().ok());
        QVERIFY2(dialog.preview().error.contains(QLatin1String("nope")),
                 qPrintable(dialog.preview().error));
        QVERIFY(!start->isEnabled());
        editor->setPlainText(QStringLiteral("{\"registration\": "));
        dialog.updatePreview();
        QVERIFY(dialog.preview().error.contains(QLatin1String("JSON")));
        QVERIFY(!start->isEnabled());

        // Even if called, the view refuses an invalid preview and nothing reaches the agent.
        view()->startService(dialog.preview(), false);
        QCOMPARE(view()->hint()->kind(), HintLine::Kind::Error);
        QCoreApplication::processEvents();
        QVERIFY(!row("bad-1"));
    }

    void startShowsOwnedServiceWithHealthAndSidecar() {
        const StartPreview p =
            previewFor(QStringLiteral("web"), QStringLiteral("web-1"), QStringLiteral("sleeper"));
        QVERIFY2(p.ok(), qPrintable(p.error));
        QVERIFY(p.proxy.startsWith(QLatin1String("sleep 60")));
        view()->startService(p, false);
        QTRY_VERIFY_WITH_TIMEOUT(row("web-1") && row("web-1")->owned, test::kWaitMs);
        QTRY_COMPARE_WITH_TIMEOUT(health("web-1"), QStringLiteral("passing"), test::kWaitMs);
        QTRY_VERIFY_WITH_TIMEOUT(!row("web-1")->sidecarId.empty(), test::kWaitMs);
        QTRY_COMPARE_WITH_TIMEOUT(view()->hint()->kind(), HintLine::Kind::Success, test::kWaitMs);
        QVERIFY(view()->selectService(QStringLiteral("web-1")));
        const int r = model().rowOf(QStringLiteral("web-1"));
        QCOMPARE(model().index(r, ServicesModel::Owned).data().toString(), QStringLiteral("★"));
        QCOMPARE(model().index(r, ServicesModel::Health).data(ServicesModel::HealthRole).toString(),
                 QStringLiteral("passing"));
        // The sidecar is folded into its service's row unless asked for.
        const QString sidecar = QString::fromStdString(row("web-1")->sidecarId);
        QVERIFY(!view()->selectService(sidecar));
        view()->filterModel()->setShowSidecars(true);
        QVERIFY(view()->selectService(sidecar));
        view()->filterModel()->setShowSidecars(false);
        QVERIFY(view()->selectService(QStringLiteral("web-1")));
    }

    void ttlStatusChangesHealthAndGrowsHistory() {
        QVERIFY(view()->selectService(QStringLiteral("web-1")));
        auto& history = window_->context()->history();
        const int before = history.transitionCount("web-1");
        QVERIFY(before >= 1);  // first seen (critical or passing), then passing
        view()->setTtlOfSelected(QStringLiteral("critical"));
        QTRY_COMPARE_WITH_TIMEOUT(health("web-1"), QStringLiteral("critical"), test::kWaitMs);
        view()->setTtlOfSelected(QStringLiteral("warning"));
        QTRY_COMPARE_WITH_TIMEOUT(health("web-1"), QStringLiteral("warning"), test::kWaitMs);
        view()->setTtlOfSelected(QStringLiteral("passing"));
        QTRY_COMPARE_WITH_TIMEOUT(health("web-1"), QStringLiteral("passing"), test::kWaitMs);
        QTRY_VERIFY_WITH_TIMEOUT(history.transitionCount("web-1") >= before + 3, test::kWaitMs);

        // The history pane shows this service's transitions, newest first, with their times.
        QSortFilterProxyModel* pane = view()->historyModel();
        QTRY_VERIFY_WITH_TIMEOUT(pane->rowCount() >= before + 3, test::kWaitMs);
        for (int r = 0; r < pane->rowCount(); ++r) {
            QCOMPARE(pane->index(r, 0).data(HealthHistoryModel::ServiceIdRole).toString(),
                     QStringLiteral("web-1"));
        }
        QCOMPARE(pane->index(0, HealthHistoryModel::To)
                     .data(HealthHistoryModel::ToStatusRole)
                     .toString(),
                 QStringLiteral("passing"));
        QVERIFY(!pane->index(0, HealthHistoryModel::Time).data().toString().isEmpty());
        QCOMPARE(pane->index(1, HealthHistoryModel::To)
                     .data(HealthHistoryModel::ToStatusRole)
                     .toString(),
                 QStringLiteral("warning"));
    }

    void searchByNameTagMetaAndRegex() {
        auto* filter = view()->filterModel();
        filter->setSearch(QStringLiteral("name:web"), false);
        QCOMPARE(filter->rowCount(), 1);
        filter->setSearch(QStringLiteral("tag:nothing-has-this"), false);
        QCOMPARE(filter->rowCount(), 0);
        filter->setSearch(QStringLiteral("^web-[0-9]$"), true);
        QCOMPARE(filter->rowCount(), 1);
        filter->setSearch(QStringLiteral("(web"), true);
        QCOMPARE(filter->rowCount(), 0);
        QVERIFY(filter->searchError().contains(QLatin1String("Invalid regular expression")));
        filter->setSearch(QString(), false);
        QVERIFY(filter->rowCount() >= 1);
    }

    void infoShowsFormattedJson() {
        QVERIFY(view()->selectService(QStringLiteral("web-1")));
        view()->showInfoOfSelected();
        QTRY_VERIFY_WITH_TIMEOUT(
            view()->infoText()->toPlainText().contains(QLatin1String("\"ID\": \"web-1\"")),
            test::kWaitMs);
        view()->showProxyInfoOfSelected();
        QTRY_VERIFY_WITH_TIMEOUT(
            view()->infoText()->toPlainText().contains(QLatin1String("\"state\": \"running\"")),
            test::kWaitMs);
    }

    void someoneElsesServiceIsNotOursUntilTakenOver() {
        consul::ConsulApi& api = window_->context()->session().api();
        QVERIFY(api.call(consul::endpoints::registerService({{"ID", "db-1"},
                                                             {"Name", "db"},
                                                             {"Tags", {"primary", "v2"}},
                                                             {"Meta", {{"version", "2"}}}},
                                                            false))
                    .ok());
        QTRY_VERIFY_WITH_TIMEOUT(row("db-1"), test::kWaitMs);
        QVERIFY(!row("db-1")->owned);
        auto* filter = view()->filterModel();
        filter->setSearch(QStringLiteral("tag:v2"), false);
        QCOMPARE(filter->rowCount(), 1);
        filter->setSearch(QStringLiteral("meta:version=2"), false);
        QCOMPARE(filter->rowCount(), 1);
        filter->setSearch(QString(), false);

        // A plain start is refused (it passes and is not ours); the hint names the next step.
        const StartPreview p =
            previewFor(QStringLiteral("db"), QStringLiteral("db-1"), QStringLiteral("sleeper"));
        view()->startService(p, false);
        QTRY_COMPARE_WITH_TIMEOUT(view()->hint()->kind(), HintLine::Kind::Error, test::kWaitMs);
        QVERIFY2(view()->hint()->text().contains(QLatin1String("Take over")),
                 qPrintable(view()->hint()->text()));
        QVERIFY(!row("db-1")->owned);
        view()->startService(p, /*forceRegistration=*/true);
        QTRY_VERIFY_WITH_TIMEOUT(row("db-1") && row("db-1")->owned, test::kWaitMs);
    }

    void stopRemovesTheServiceAndRecordsIt() {
        QVERIFY(view()->selectService(QStringLiteral("web-1")));
        view()->stopSelected();
        QTRY_VERIFY_WITH_TIMEOUT(!row("web-1"), test::kWaitMs);
        // The history hears of it from the checks watch, which may come a moment later.
        auto& history = window_->context()->history();
        auto removed = [&history] {
            for (int r = 0; r < history.rowCount(); ++r) {
                const auto* t = history.transitionAt(r);
                if (t->serviceId == "web-1" && t->to == "removed") {
                    return true;
                }
            }
            return false;
        };
        QTRY_VERIFY_WITH_TIMEOUT(removed(), test::kWaitMs);
        QVERIFY(view()->selectService(QStringLiteral("db-1")));
        view()->stopSelected();
        QTRY_VERIFY_WITH_TIMEOUT(!row("db-1"), test::kWaitMs);
    }

    void longActionsShowProgressAndCancelUndoes() {
        auto* progress = window_->findChild<QProgressBar*>(QStringLiteral("progress"));
        QVERIFY(progress);
        QVERIFY(!progress->isVisible());
        const StartPreview p =
            previewFor(QStringLiteral("tmp"), QStringLiteral("tmp-1"), QStringLiteral("sleeper"));
        std::optional<Result<mesh::Started>> got;
        window_->context()->commands().start(p, false, this,
                                             [&](Result<mesh::Started> r) { got = r; });
        QVERIFY(progress->isVisible());
        window_->context()->commands().cancel();
        QTRY_VERIFY_WITH_TIMEOUT(got.has_value(), test::kWaitMs);
        QVERIFY(!got->ok());
        QCOMPARE(got->error().code, Code::Closed);
        QVERIFY2(got->error().message.find("cancelled") == 0, got->error().message.c_str());
        QTRY_VERIFY_WITH_TIMEOUT(!progress->isVisible(), test::kWaitMs);
        // Not sent, or started and stopped again: either way it is neither ours nor there.
        window_->context()->refresh();
        QTRY_VERIFY_WITH_TIMEOUT(!row("tmp-1"), test::kWaitMs);
        QVERIFY(window_->context()->owned().count("tmp-1") == 0);
        auto onAgent =
            window_->context()->session().api().call(consul::endpoints::agentService("tmp-1"));
        QVERIFY(!onAgent.ok());
        QCOMPARE(onAgent.error().code, Code::NotFound);
    }

    void columnChoicesAreRemembered() {
        QTableView* table = view()->table();
        table->horizontalHeader()->setSectionHidden(ServicesModel::Tags, true);
        table->horizontalHeader()->resizeSection(ServicesModel::Name, 211);
        // A new session builds a new view, which reads the saved header.
        window_->setSession(test::openTestSession());
        QTRY_VERIFY_WITH_TIMEOUT(window_->context()->monitor().reachable(), test::kWaitMs);
        QTableView* again = view()->table();
        QVERIFY(again->horizontalHeader()->isSectionHidden(ServicesModel::Tags));
        QCOMPARE(again->horizontalHeader()->sectionSize(ServicesModel::Name), 211);
    }
};

QTEST_MAIN(TestServicesView)
#include "test_services_view.moc"
