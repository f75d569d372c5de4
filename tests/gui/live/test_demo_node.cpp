// Guided demos E1 and E2 run unattended against the real engine, an embedded dev agent, real
// meshx-proxy sidecars and real `erl` nodes served with `meshx serve`; each must pass every step
// and leave no process or registration behind.

#include <QStandardPaths>

#include "test_demo_support.h"
#include "ui/nodes/node_workbench.h"
#include "ui/rpc/instance_count_model.h"

using namespace meshx;
using namespace meshx::ui;

class TestDemoNode : public QObject {
    Q_OBJECT

  private:
    std::unique_ptr<MainWindow> window_;

    DemoController* run(const char* id, int timeoutMs) {
        DemoController* d = startDemo(*window_, QString::fromLatin1(id), true);
        if (!d) {
            return nullptr;
        }
        QStringList log;
        connect(d, &DemoController::logLine, this, [&log](const QString& l) { log << l; });
        (void)QTest::qWaitFor([d] { return d->finished(); }, timeoutMs);
        if (!d->allPassed()) {
            qWarning("%s", qPrintable(log.join(QLatin1Char('\n'))));
        }
        return d;
    }

    void verifyPassed(DemoController* d) {
        QVERIFY(d);
        QVERIFY2(d->finished(), "the demo did not finish");
        for (int i = 0; i < d->stepCount(); ++i) {
            QVERIFY2(d->stepState(i) == DemoController::StepState::Passed,
                     qPrintable(QStringLiteral("step %1 (%2): %3")
                                    .arg(i + 1)
                                    .arg(d->script().steps[static_cast<size_t>(i)].title,
                                         d->stepNote(i))));
        }
    }

    void verifyNothingLeft(DemoController* d, const QStringList& labels) {
        for (const QString& label : labels) {
            QVERIFY2(d->process(label), qPrintable(label));
            QVERIFY2(!d->process(label)->running(), qPrintable(label));
        }
        for (const char* part : {"service@any", "console@", "upstream-"}) {
            QVERIFY2(test::registered(*window_, part).isEmpty(),
                     qPrintable(test::registered(*window_, part).join(QLatin1Char(','))));
        }
    }

  private slots:
    void initTestCase() {
        test::isolateSettings("test_demo_node");
        if (!NodeWorkbench::available()) {
            QSKIP("built without erl_interface");
        }
        if (QStandardPaths::findExecutable(QStringLiteral("erl")).isEmpty()) {
            QSKIP("erl is not installed (Debian package erlang-base)");
        }
        for (const char* bin : {"meshx", "meshx-proxy"}) {
            QVERIFY2(QFileInfo(meshxBinary(QString::fromLatin1(bin))).isExecutable(), bin);
        }
        DemoController::setBinDir(QStringLiteral(MESHX_BIN_DIR));
        window_ = test::demoWindow();
        QVERIFY(QTest::qWaitForWindowExposed(window_.get()));
        QTRY_VERIFY_WITH_TIMEOUT(window_->context()->monitor().reachable(), test::kWaitMs);
    }

    void cleanupTestCase() { window_.reset(); }

    void e1NodeIntro() {
        DemoController* d = run("e1", 240000);
        verifyPassed(d);
        verifyNothingLeft(d, {QStringLiteral("service@any-1")});
    }

    void e2NodeFailover() {
        DemoController* d = run("e2", 300000);
        verifyPassed(d);
        // One answer before the stop, one after, from two different instances.
        InstanceCountModel& counts = d->counts();
        QCOMPARE(counts.runCount(), 2);
        const QStringList before = counts.servingInstances(0);
        const QStringList after = counts.servingInstances(1);
        QCOMPARE(before.size(), 1);
        QCOMPARE(after.size(), 1);
        QVERIFY(before.front() != after.front());
        verifyNothingLeft(d, {QStringLiteral("service@any-1"), QStringLiteral("service@any-2")});
    }
};

QTEST_MAIN(TestDemoNode)
#include "test_demo_node.moc"
