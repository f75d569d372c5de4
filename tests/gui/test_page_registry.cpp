#include <QtTest>

#include <QLabel>
#include <QMenuBar>
#include <QSettings>
#include <QStandardPaths>
#include <QTabWidget>

#include "ui/shell/main_window.h"
#include "ui/shell/page_registry.h"
#include "ui/shell/placeholder_page.h"
#include "ui/telemetry/telemetry_page.h"

using namespace meshx::ui;

namespace {

PageSpec windowPage(const char* id, int order, QKeySequence key = {}) {
    PageSpec spec;
    spec.id = QString::fromLatin1(id);
    spec.title = id;
    spec.order = order;
    spec.shortcut = key;
    spec.perWindow = [](MainWindow&) -> QWidget* { return new QLabel(QStringLiteral("made")); };
    return spec;
}

QAction* viewAction(MainWindow& window, const QString& title) {
    for (QAction* top : window.menuBar()->actions()) {
        if (top->menu() && top->text() == QStringLiteral("&View")) {
            for (QAction* a : top->menu()->actions()) {
                if (a->text() == title)
                    return a;
            }
        }
    }
    return nullptr;
}

}  // namespace

// The page registry: every page folder registers itself, the main window builds its tabs and the
// View menu's keys from it (no table of tabs), and a page registered twice is refused.
class TestPageRegistry : public QObject {
    Q_OBJECT

  private slots:
    void initTestCase() {
        QCoreApplication::setOrganizationName(QStringLiteral("meshx-test"));
        QCoreApplication::setApplicationName(QStringLiteral("test_page_registry"));
        QStandardPaths::setTestModeEnabled(true);
        QSettings().clear();
    }

    void theConsoleRegistersEveryPageInOrderWithItsKey() {
        // The order and keys users and tests rely on (docs/console.md, the shortcuts page).
        const QStringList expected = {"services", "upstreams", "proxy-logs", "telemetry",
                                      "graph",    "rpc",       "nodes",      "intentions",
                                      "catalog",  "kv",        "settings"};
        const PageRegistry& pages = PageRegistry::console();
        QCOMPARE(pages.ids(), expected);
        QCOMPARE(MainWindow::tabNames(), expected);
        for (int i = 0; i < expected.size(); ++i) {
            const PageSpec* spec = pages.find(expected[i]);
            QVERIFY(spec);
            const QKeySequence key =
                i < 9 ? QKeySequence(Qt::CTRL | static_cast<Qt::Key>(Qt::Key_1 + i))
                      : QKeySequence();
            QCOMPARE(spec->shortcut, key);
            QVERIFY(QByteArray(spec->title).size() > 0);
            QVERIFY(QByteArray(spec->hint).size() > 0);
        }
        // The demos are a window extension (the Demos menu), not a tab.
        QVERIFY(!pages.windowExtensions().empty());
    }

    void theWindowsTabsAndKeysComeFromTheRegistry() {
        MainWindow window;
        QCOMPARE(window.tabs()->count(), PageRegistry::console().ids().size());
        int i = 0;
        for (const PageSpec& spec : PageRegistry::console().pages()) {
            QCOMPARE(window.tabs()->widget(i)->objectName(), spec.id);
            QCOMPARE(window.pageWidget(spec.id), window.tabs()->widget(i));
            // Without a session a per-session page is a placeholder; a per-window page is real.
            QCOMPARE(qobject_cast<PlaceholderPage*>(window.tabs()->widget(i)) != nullptr,
                     bool(spec.perSession));
            QAction* view = viewAction(window, window.tabs()->tabText(i));
            QVERIFY2(view, qPrintable(spec.id));
            QCOMPARE(view->shortcut(), spec.shortcut);
            view->trigger();
            QCOMPARE(window.tabs()->currentIndex(), i);
            ++i;
        }
        QVERIFY(window.page<TelemetryPage>());
        QCOMPARE(window.pageWidget(QStringLiteral("no-such-page")), nullptr);
        bool demos = false;
        for (QAction* top : window.menuBar()->actions())
            demos = demos || top->text() == QStringLiteral("&Demos");
        QVERIFY(demos);
    }

    void aWindowOverAnotherRegistryShowsItsPages() {
        PageRegistry pages;
        pages.add(windowPage("second", 20, QKeySequence(Qt::CTRL | Qt::Key_2)));
        pages.add(windowPage("first", 10, QKeySequence(Qt::CTRL | Qt::Key_1)));
        PageSpec later;
        later.id = QStringLiteral("later");
        later.title = "Later";
        later.hint = "Made when a session comes.";
        later.order = 30;
        later.perSession = [](ConsoleContext&, MainWindow&) -> QWidget* { return new QLabel; };
        pages.add(later);
        QCOMPARE(pages.ids(), QStringList({"first", "second", "later"}));

        MainWindow window(pages);
        QCOMPARE(window.tabs()->count(), 3);
        QCOMPARE(qobject_cast<QLabel*>(window.pageWidget(QStringLiteral("first")))->text(),
                 QStringLiteral("made"));
        QVERIFY(qobject_cast<PlaceholderPage*>(window.pageWidget(QStringLiteral("later"))));
        QCOMPARE(window.tabs()->tabText(2), QStringLiteral("Later"));
        QVERIFY(window.showTab(QStringLiteral("second")));
        QCOMPARE(window.tabs()->currentIndex(), 1);
        QCOMPARE(viewAction(window, QStringLiteral("second"))->shortcut(),
                 QKeySequence(Qt::CTRL | Qt::Key_2));
    }

    void aPageRegisteredTwiceOrBadlyIsRefused() {
        PageRegistry pages;
        QVERIFY(pages.tryAdd(windowPage("a", 10, QKeySequence(Qt::CTRL | Qt::Key_1))).ok());
        auto refused = [&pages](PageSpec spec, const char* why) {
            const meshx::Status added = pages.tryAdd(std::move(spec));
            QVERIFY2(!added.ok(), why);
            QVERIFY2(added.error().message.find(why) != std::string::npos,
                     added.error().message.c_str());
        };
        refused(windowPage("a", 20), "registered twice");
        refused(windowPage("b", 10), "order 10 is taken");
        refused(windowPage("b", 20, QKeySequence(Qt::CTRL | Qt::Key_1)), "shortcut");
        refused(windowPage("", 20), "no id");
        PageSpec none = windowPage("b", 20);
        none.perWindow = nullptr;
        refused(none, "exactly one");
        PageSpec both = windowPage("b", 20);
        both.perSession = [](ConsoleContext&, MainWindow&) -> QWidget* { return nullptr; };
        refused(both, "exactly one");
        QCOMPARE(pages.ids(), QStringList({"a"}));
    }
};

QTEST_MAIN(TestPageRegistry)
#include "test_page_registry.moc"
