#include <QLabel>
#include <QRegularExpression>
#include <QTableView>

#include <csignal>

#include "console_fixture.h"
#include "engine/agent_monitor.h"
#include "mesh/consul_mesh.h"
#include "ui/proxy_logs/proxy_log_filter_model.h"
#include "ui/proxy_logs/proxy_view.h"
#include "ui/services/services_view.h"
#include "ui/shared/proxy_log_model.h"
#include "ui/shared/services_model.h"
#include "ui/shell/console_context.h"
#include "ui/shell/main_window.h"
#include "ui/shell/service_commands.h"
#include "ui/shell/start_preview.h"

using namespace meshx;
using namespace meshx::ui;

// The proxy view on the real engine: a stand-in proxy's stdout and stderr lines arrive in the
// log with levels, garbage is drawn safely, restarts (asked for, or after a crash) show inline
// and in the summary, and the summary names the listener, the command and the restart count.
class TestProxyView : public QObject {
    Q_OBJECT

  private:
    MainWindow* window_ = nullptr;

    ProxyView* view() { return window_->page<ProxyView>(); }

    void start(const QString& name, const QString& id, const QString& templ) {
        StartPreview::Input in;
        in.name = name;
        in.id = id;
        in.templateJson = QString::fromStdString(window_->context()
                                                     ->session()
                                                     .engine()
                                                     .namedTemplate(templ.toStdString())
                                                     ->toJson()
                                                     .dump());
        const StartPreview p =
            StartPreview::build(in, window_->context()->session().engine().defaultTemplate(),
                                window_->context()->session().mesh());
        QVERIFY2(p.ok(), qPrintable(p.error));
        window_->page<ServicesView>()->startService(p, false);
        QTRY_VERIFY_WITH_TIMEOUT(window_->context()->owned().count(id.toStdString()) > 0,
                                 test::kWaitMs);
        QTRY_VERIFY_WITH_TIMEOUT(view()->selectService(id), test::kWaitMs);
    }

    // Rows of the filtered log whose text contains `needle`.
    int rowsWith(const QString& needle, ProxyLogModel::Kind kind) {
        int n = 0;
        auto* f = view()->logFilter();
        for (int r = 0; r < f->rowCount(); ++r) {
            const QModelIndex idx = f->index(r, 0);
            if (idx.data(ProxyLogModel::KindRole).toInt() == static_cast<int>(kind) &&
                idx.data(ProxyLogModel::FullTextRole).toString().contains(needle)) {
                ++n;
            }
        }
        return n;
    }

    // The process line of the summary: state, pid, restart count and the last exit's reason.
    QRegularExpressionMatch summaryProcess() {
        static const QRegularExpression re(QStringLiteral(
            "running \\(pid (\\d+)\\), restarts (\\d+) of (\\d+), last exit: ([^<]*)<"));
        return re.match(view()->summary()->text());
    }

  private slots:
    void initTestCase() {
        test::isolateSettings("test_proxy_view");
        window_ = new MainWindow;
        window_->setSession(test::openTestSession());
        window_->showTab(QStringLiteral("proxy-logs"));
        window_->show();
        QVERIFY(QTest::qWaitForWindowExposed(window_));
        QTRY_VERIFY_WITH_TIMEOUT(window_->context()->monitor().reachable(), test::kWaitMs);
    }

    void cleanupTestCase() { delete window_; }

    void linesArriveWithLevelsAndGarbageIsSafe() {
        start(QStringLiteral("echo"), QStringLiteral("echo-1"), QStringLiteral("echo"));
        QTRY_VERIFY_WITH_TIMEOUT(
            rowsWith(QStringLiteral("proxy echo-1 up"), ProxyLogModel::Kind::Stdout) == 1,
            test::kWaitMs);
        QTRY_VERIFY_WITH_TIMEOUT(
            rowsWith(QStringLiteral("ERROR upstream refused"), ProxyLogModel::Kind::Stderr) == 1,
            test::kWaitMs);
        QTRY_VERIFY_WITH_TIMEOUT(rowsWith(QStringLiteral("bin"), ProxyLogModel::Kind::Stdout) == 1,
                                 test::kWaitMs);
        auto* f = view()->logFilter();
        for (int r = 0; r < f->rowCount(); ++r) {
            const QModelIndex idx = f->index(r, 0);
            QCOMPARE(idx.data(ProxyLogModel::ServiceIdRole).toString(), QStringLiteral("echo-1"));
            const QString text = idx.data(ProxyLogModel::FullTextRole).toString();
            const bool event = idx.data(ProxyLogModel::KindRole).toInt() ==
                               static_cast<int>(ProxyLogModel::Kind::Event);
            if (!event && text.contains(QLatin1String("ERROR"))) {
                QCOMPARE(idx.data(ProxyLogModel::LevelRole).toInt(),
                         static_cast<int>(logtext::Level::Error));
                QVERIFY(f->index(r, ProxyLogModel::Text).data(Qt::ForegroundRole).isValid());
            }
            if (text.startsWith(QLatin1String("bin"))) {
                // No raw control byte reaches the table (the supervisor or the model replaced
                // them with visible symbols).
                QVERIFY2(text.contains(QLatin1String("ary")), qPrintable(text));
                for (QChar c : text) {
                    QVERIFY(c.unicode() >= 0x20 && c.unicode() != 0x7f);
                }
            }
        }
        // The start shows inline as an event.
        QVERIFY(rowsWith(QStringLiteral("proxy started"), ProxyLogModel::Kind::Event) >= 1);
    }

    void summaryNamesListenerCommandAndRestarts() {
        QVERIFY(view()->selectService(QStringLiteral("echo-1")));
        QTRY_VERIFY_WITH_TIMEOUT(view()->summary()->text().contains(QLatin1String("restarts 0 of")),
                                 test::kWaitMs);
        const QString text = view()->summary()->text();
        QVERIFY2(text.contains(QLatin1String("public listener")), qPrintable(text));
        QVERIFY(text.contains(QLatin1String("local service")));
        QVERIFY(text.contains(QLatin1String("/bin/sh -c")));
        QVERIFY(text.contains(QLatin1String("running")));
    }

    // A requested restart and a crash both show inline in the log and in the summary, which
    // follows the engine's supervisor: a new pid, the count of unexpected restarts and why the
    // last process ended.
    void restartShowsInlineAndInSummary() {
        auto& mesh = window_->context()->session().mesh();
        QVERIFY(view()->selectService(QStringLiteral("echo-1")));
        const auto before = mesh.proxyInfo("echo-1");
        QVERIFY2(before.ok(), before.ok() ? "" : before.error().toString().c_str());
        QTRY_VERIFY_WITH_TIMEOUT(summaryProcess().hasMatch(), test::kWaitMs);
        QCOMPARE(summaryProcess().captured(4), QStringLiteral("none"));

        const int startsBefore =
            rowsWith(QStringLiteral("proxy started"), ProxyLogModel::Kind::Event);
        bool ok = false;
        bool answered = false;
        window_->context()->commands().restartProxy(QStringLiteral("echo-1"), this, [&](Status st) {
            ok = st.ok();
            answered = true;
        });
        QTRY_VERIFY_WITH_TIMEOUT(answered, test::kWaitMs);
        QVERIFY(ok);
        QTRY_VERIFY_WITH_TIMEOUT(
            rowsWith(QStringLiteral("proxy started"), ProxyLogModel::Kind::Event) > startsBefore,
            test::kWaitMs);
        QTRY_VERIFY_WITH_TIMEOUT(
            rowsWith(QStringLiteral("proxy echo-1 up"), ProxyLogModel::Kind::Stdout) == 2,
            test::kWaitMs);
        // The summary names the new process and the stop that ended the old one; a requested
        // restart starts the count of unexpected ones afresh.
        // (The stand-in also exits by itself after a minute, "exit code 0": the reason tells
        // the two apart.)
        QTRY_VERIFY_WITH_TIMEOUT(
            summaryProcess().hasMatch() &&
                summaryProcess().captured(1).toLongLong() != before->pid &&
                summaryProcess().captured(4) == QLatin1String("signal 15 (SIGTERM)"),
            test::kWaitMs);
        QRegularExpressionMatch m = summaryProcess();
        const qint64 secondPid = m.captured(1).toLongLong();
        QCOMPARE(secondPid, qint64(mesh.proxyInfo("echo-1")->pid));
        QCOMPARE(m.captured(2), QStringLiteral("0"));
        QCOMPARE(m.captured(3).toInt(), before->maxRestarts);

        // A crash: the supervisor restarts the proxy, and counts it.
        QVERIFY(::kill(static_cast<pid_t>(secondPid), SIGKILL) == 0);
        QTRY_VERIFY_WITH_TIMEOUT(rowsWith(QStringLiteral("proxy restarted (restart 1) after "
                                                         "signal 9 (SIGKILL)"),
                                          ProxyLogModel::Kind::Event) == 1,
                                 test::kWaitMs);
        QTRY_VERIFY_WITH_TIMEOUT(
            summaryProcess().hasMatch() && summaryProcess().captured(1).toLongLong() != secondPid &&
                summaryProcess().captured(4) == QLatin1String("signal 9 (SIGKILL)"),
            test::kWaitMs);
        m = summaryProcess();
        QCOMPARE(m.captured(1).toLongLong(), qint64(mesh.proxyInfo("echo-1")->pid));
        QCOMPARE(m.captured(2), QStringLiteral("1"));
        QTRY_VERIFY_WITH_TIMEOUT(
            rowsWith(QStringLiteral("proxy echo-1 up"), ProxyLogModel::Kind::Stdout) == 3,
            test::kWaitMs);
    }

    void searchFollowAndPause() {
        start(QStringLiteral("ticker"), QStringLiteral("ticker-1"), QStringLiteral("ticker"));
        QTRY_VERIFY_WITH_TIMEOUT(
            rowsWith(QStringLiteral("tick 5"), ProxyLogModel::Kind::Stdout) >= 1, test::kWaitMs);
        // Only the selected service's lines show.
        QCOMPARE(rowsWith(QStringLiteral("proxy echo-1 up"), ProxyLogModel::Kind::Stdout), 0);

        // Follow keeps the last row in view.
        view()->setFollow(true);
        QTableView* table = view()->logTable();
        QTRY_VERIFY_WITH_TIMEOUT(table->rowAt(table->viewport()->height() - 2) == -1 ||
                                     table->rowAt(table->viewport()->height() - 2) >=
                                         view()->logFilter()->rowCount() - 2,
                                 test::kWaitMs);

        // Search narrows to matching lines (regex too).
        view()->setLogSearch(QStringLiteral("^tick [0-9]*7$"), true);
        QTRY_VERIFY_WITH_TIMEOUT(view()->logFilter()->rowCount() >= 1, test::kWaitMs);
        for (int r = 0; r < view()->logFilter()->rowCount(); ++r) {
            QVERIFY(view()
                        ->logFilter()
                        ->index(r, 0)
                        .data(ProxyLogModel::FullTextRole)
                        .toString()
                        .endsWith(QLatin1Char('7')));
        }
        view()->setLogSearch(QString());

        // Paused: the model stops growing while lines keep coming; resumed: they all arrive.
        auto& logs = window_->context()->logs();
        view()->setPaused(true);
        const int frozen = logs.rowCount();
        const int tickerLines = rowsWith(QStringLiteral("tick"), ProxyLogModel::Kind::Stdout);
        // Lines keep arriving meanwhile: they wait in the pause queue, not in the table.
        QTRY_VERIFY_WITH_TIMEOUT(logs.pendingCount() >= 3, test::kWaitMs);
        QCOMPARE(logs.rowCount(), frozen);
        view()->setPaused(false);
        QTRY_VERIFY_WITH_TIMEOUT(
            rowsWith(QStringLiteral("tick"), ProxyLogModel::Kind::Stdout) >= tickerLines + 3,
            test::kWaitMs);
    }
};

QTEST_MAIN(TestProxyView)
#include "test_proxy_view.moc"
