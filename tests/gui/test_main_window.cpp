#include <QtTest>

#include <QLabel>
#include <QTabWidget>

#include "ui/shell/main_window.h"

// Offscreen: the window and every view tab exist, in order, with their object names.
class TestMainWindow : public QObject {
    Q_OBJECT

  private slots:
    void initTestCase() {
        QCoreApplication::setOrganizationName(QStringLiteral("meshx-test"));
        QStandardPaths::setTestModeEnabled(true);
    }

    void windowHasEveryTab() {
        meshx::ui::MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto* tabs = window.findChild<QTabWidget*>(QStringLiteral("viewTabs"));
        QVERIFY(tabs);
        const QStringList expected = {"services", "upstreams", "proxy-logs", "telemetry",
                                      "graph",    "rpc",       "nodes",      "intentions",
                                      "catalog",  "kv",        "settings"};
        QCOMPARE(meshx::ui::MainWindow::tabNames(), expected);
        QCOMPARE(tabs->count(), expected.size());
        for (int i = 0; i < tabs->count(); ++i) {
            QCOMPARE(tabs->widget(i)->objectName(), expected[i]);
            QVERIFY(!tabs->tabText(i).isEmpty());
        }
        QVERIFY(window.findChild<QLabel*>(QStringLiteral("agentStatus")));
    }

    void geometryIsRemembered() {
        {
            meshx::ui::MainWindow window;
            window.show();
            QVERIFY(QTest::qWaitForWindowExposed(&window));
            // Above the live pages' minimum width (about 940): every window has them now.
            window.resize(1000, 640);
            window.tabs()->setCurrentIndex(3);
            window.close();
        }
        meshx::ui::MainWindow again;
        QCOMPARE(again.size(), QSize(1000, 640));
        QCOMPARE(again.tabs()->currentIndex(), 3);
    }
};

QTEST_MAIN(TestMainWindow)
#include "test_main_window.moc"
