#include <QApplication>
#include <QDialog>
#include <QDockWidget>
#include <QHeaderView>
#include <QLabel>
#include <QMenu>
#include <QPushButton>
#include <QScrollBar>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTableView>
#include <QTableWidget>
#include <QTimer>
#include <QToolButton>

#include "console_fixture.h"
#include "engine/agent_monitor.h"
#include "mesh/consul_mesh.h"
#include "ui/catalog/catalog_view.h"
#include "ui/kv/kv_view.h"
#include "ui/services/services_view.h"
#include "ui/services/start_service_dialog.h"
#include "ui/shared/first_run_guide.h"
#include "ui/shared/hint_line.h"
#include "ui/shared/services_model.h"
#include "ui/shell/app_palette.h"
#include "ui/shell/console_context.h"
#include "ui/shell/console_session.h"
#include "ui/shell/main_window.h"
#include "ui/shell/shortcuts_page.h"
#include "ui/shell/start_preview.h"

using namespace meshx;
using namespace meshx::ui;

// A first run as a new user sees it: the empty Services view says what to do with buttons that
// do it, the status bar names the agent and how to change it, Help lists every shortcut, each
// view's actions have keys, and the palette follows the desktop turning dark and light.
class TestFirstRun : public QObject {
    Q_OBJECT

  private:
    MainWindow* window_ = nullptr;

    ConsoleContext& context() { return *window_->context(); }
    QPushButton* guideButton(const char* name) {
        return window_->page<ServicesView>()->guide()->findChild<QPushButton*>(
            QString::fromLatin1(name));
    }
    QString currentTab() { return window_->tabs()->currentWidget()->objectName(); }

  private slots:
    void initTestCase() {
        test::isolateSettings("test_first_run");
        window_ = new MainWindow;
        window_->setSession(test::openTestSession());
        window_->resize(1080, 690);
        window_->show();
        QVERIFY(QTest::qWaitForWindowExposed(window_));
        QTRY_VERIFY_WITH_TIMEOUT(context().monitor().reachable(), test::kWaitMs);
    }

    void cleanupTestCase() { delete window_; }

    void emptyServicesViewGuides() {
        window_->showTab(QStringLiteral("services"));
        QTRY_VERIFY_WITH_TIMEOUT(window_->page<ServicesView>()->guide()->isVisible(),
                                 test::kWaitMs);
        QVERIFY(!window_->page<ServicesView>()->table()->isVisible());
        QVERIFY(guideButton("guideStart"));
        QVERIFY(guideButton("guideDemo"));
        QVERIFY(guideButton("guideConnect"));

        // Connect to an agent… opens Settings.
        guideButton("guideConnect")->click();
        QCOMPARE(currentTab(), QStringLiteral("settings"));
        window_->showTab(QStringLiteral("services"));

        // Run demo E4 asks the window, and the demos (ui/demo, in every window through the page
        // registry) open E4's panel, waiting for Next. Closed again: the rest needs the room.
        QSignalSpy demo(window_, &MainWindow::demoRequested);
        guideButton("guideDemo")->click();
        QCOMPARE(demo.count(), 1);
        QCOMPARE(demo.at(0).at(0).toString(), QStringLiteral("e4"));
        auto* panel = window_->findChild<QDockWidget*>(QStringLiteral("demoPanel"));
        QVERIFY(panel);
        delete panel;  // cleans up at once (nothing ran)

        // Start service… opens the start dialog (modal: closed from a timer).
        bool sawDialog = false;
        QTimer::singleShot(0, this, [&sawDialog] {
            auto* dialog = qobject_cast<StartServiceDialog*>(QApplication::activeModalWidget());
            sawDialog = dialog != nullptr;
            if (auto* modal = qobject_cast<QDialog*>(QApplication::activeModalWidget())) {
                modal->reject();
            }
        });
        guideButton("guideStart")->click();
        QVERIFY(sawDialog);
    }

    void guideLeavesWhenAServiceRunsAndReturnsWhenItStops() {
        auto& mesh = context().session().mesh();
        StartPreview::Input in;
        in.name = QStringLiteral("first");
        in.id = QStringLiteral("first-1");
        in.templateJson = QString::fromStdString(
            context().session().engine().namedTemplate("sleeper")->toJson().dump());
        window_->page<ServicesView>()->startService(
            StartPreview::build(in, context().session().engine().defaultTemplate(), mesh), false);
        QTRY_VERIFY_WITH_TIMEOUT(window_->page<ServicesView>()->table()->isVisible(),
                                 test::kWaitMs);
        QVERIFY(!window_->page<ServicesView>()->guide()->isVisible());
        // The default window (about 1080x690) shows every column, Checks included, without a
        // horizontal scroll bar.
        QTableView* table = window_->page<ServicesView>()->table();
        QCoreApplication::processEvents();
        QVERIFY(!table->horizontalScrollBar()->isVisible());
        const int checks =
            table->horizontalHeader()->sectionViewportPosition(ServicesModel::Checks);
        QVERIFY2(
            checks >= 0 && checks + 80 <= table->viewport()->width(),
            qPrintable(
                QStringLiteral("Checks at %1 of %2").arg(checks).arg(table->viewport()->width())));
        QTRY_VERIFY_WITH_TIMEOUT(
            window_->page<ServicesView>()->selectService(QStringLiteral("first-1")), test::kWaitMs);
        window_->page<ServicesView>()->stopSelected();
        // Every row gone (the sidecar too), and the guide is back.
        QTRY_COMPARE_WITH_TIMEOUT(context().services().rowCount(), 0, test::kWaitMs);
        QTRY_VERIFY_WITH_TIMEOUT(window_->page<ServicesView>()->guide()->isVisible(),
                                 test::kWaitMs);
    }

    void statusBarNamesTheAgentAndHowToChangeIt() {
        auto* status = window_->findChild<QLabel*>(QStringLiteral("agentStatus"));
        QVERIFY(status);
        QTRY_VERIFY_WITH_TIMEOUT(status->text().contains(context().session().agentAddress()),
                                 test::kWaitMs);
        QVERIFY(status->text().contains(QStringLiteral("embedded dev agent")));
        QVERIFY(status->text().contains(QStringLiteral("datacenter dc1")));
        auto* change = window_->findChild<QToolButton*>(QStringLiteral("changeAgent"));
        QVERIFY(change && change->isVisible());
        QVERIFY(change->toolTip().contains(QStringLiteral("CONSUL_HTTP_ADDR")));
        change->click();
        QCOMPARE(currentTab(), QStringLiteral("settings"));
        window_->showTab(QStringLiteral("services"));
    }

    void shortcutsPageListsTheActions() {
        window_->showShortcuts();
        ShortcutsPage* page = window_->shortcutsPage();
        QVERIFY(page && page->isVisible());
        auto keysOf = [page](const char* where, const char* action) {
            const int row = page->rowOf(QString::fromUtf8(where), QString::fromUtf8(action));
            return row < 0 ? QString() : page->table()->item(row, 2)->text();
        };
        QCOMPARE(keysOf("Services", "Start service…"),
                 QKeySequence(QKeySequence::New).toString(QKeySequence::NativeText));
        QCOMPARE(keysOf("KV", "Save"),
                 QKeySequence(QKeySequence::Save).toString(QKeySequence::NativeText));
        QCOMPARE(keysOf("KV", "Delete folder…"), QStringLiteral("Shift+Del"));
        QCOMPARE(keysOf("Catalog", "Datacenter"), QStringLiteral("Alt+D"));
        QCOMPARE(keysOf("Intentions", "Allow"), QStringLiteral("Ctrl+Return"));
        QCOMPARE(keysOf("Help", "Keyboard shortcuts"), QStringLiteral("F1"));
        // The ninth tab (services, upstreams, proxy logs, telemetry, graph, rpc, nodes, intentions,
        // catalog): Ctrl+1..9 reach the first nine.
        QCOMPARE(keysOf("View", "Catalog"), QStringLiteral("Ctrl+9"));
        page->close();
    }

    void everyViewActionHasKeys() {
        // The actions a view shows (toolbar, buttons, menus) are reachable from the keyboard.
        for (const char* name : {"services", "catalog", "kv", "intentions"}) {
            QWidget* page = window_->tabs()->widget(
                static_cast<int>(MainWindow::tabNames().indexOf(QString::fromLatin1(name))));
            int checked = 0;
            for (QAction* a : page->findChildren<QAction*>()) {
                if (a->text().isEmpty() || a->isSeparator() || a->menu()) {
                    continue;
                }
                ++checked;
                QVERIFY2(!a->shortcut().isEmpty(),
                         qPrintable(QStringLiteral("%1: %2 has no shortcut")
                                        .arg(QString::fromLatin1(name), a->text())));
            }
            QVERIFY2(checked >= 3, name);
        }
    }

    void paletteFollowsTheDesktop() {
        // The desktop turning dark reaches Qt as a palette (theme) change; no desktop can change
        // theme under a test, so the follower is handed the desktop's palettes directly, then
        // sent the real ThemeChange event (which re-reads the platform's palette: light here).
        PaletteFollower follower;
        QSignalSpy changed(&follower, &PaletteFollower::schemeChanged);
        QPalette desktopDark;
        desktopDark.setColor(QPalette::Window, QColor(0x20, 0x20, 0x20));
        desktopDark.setColor(QPalette::WindowText, QColor(0xee, 0xee, 0xee));
        auto* hint = window_->page<ServicesView>()->hint();
        hint->showError(QStringLiteral("an error"));
        const QColor lightError = hint->palette().color(QPalette::WindowText);
        follower.followSystemPalette(desktopDark);
        QVERIFY(follower.dark());
        QCOMPARE(changed.count(), 1);
        QVERIFY(isDarkPalette(QApplication::palette()));
        // Full dark palette, not the desktop's partial one: the table base is dark too.
        QVERIFY(QApplication::palette().color(QPalette::Base).lightness() < 64);
        QTRY_VERIFY(window_->palette().color(QPalette::Window).lightness() < 128);
        QTRY_VERIFY(hint->palette().color(QPalette::WindowText) != lightError);

        qApp->installEventFilter(&follower);
        const int before = follower.reevaluations();
        QEvent theme(QEvent::ThemeChange);
        QCoreApplication::sendEvent(qApp, &theme);
        QCOMPARE(follower.reevaluations(), before + 1);
        QVERIFY(!follower.dark());  // the offscreen platform's palette is light
        QCOMPARE(changed.count(), 2);
        QTRY_VERIFY(window_->palette().color(QPalette::Window).lightness() >= 128);
        QTRY_COMPARE(hint->palette().color(QPalette::WindowText), lightError);
        qApp->removeEventFilter(&follower);
    }
};

QTEST_MAIN(TestFirstRun)
#include "test_first_run.moc"
