// Guided demos E3 and E4 run unattended against the real engine, an embedded dev agent, real
// meshx-proxy sidecars and real `meshx rpc-serve` providers; each must pass every step and
// leave no process or registration behind.

#include "test_demo_support.h"
#include "ui/rpc/instance_count_model.h"
#include "ui/shared/services_model.h"

using namespace meshx;
using namespace meshx::ui;

class TestDemoRpc : public QObject {
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

  private slots:
    void initTestCase() {
        test::isolateSettings("test_demo_rpc");
        for (const char* bin : {"meshx", "meshx-proxy"}) {
            QVERIFY2(QFileInfo(meshxBinary(QString::fromLatin1(bin))).isExecutable(), bin);
        }
        DemoController::setBinDir(QStringLiteral(MESHX_BIN_DIR));
        window_ = test::demoWindow();
        QVERIFY(QTest::qWaitForWindowExposed(window_.get()));
        QTRY_VERIFY_WITH_TIMEOUT(window_->context()->monitor().reachable(), test::kWaitMs);
    }

    void cleanupTestCase() { window_.reset(); }

    void e3RpcIntro() {
        DemoController* d = run("e3", 240000);
        verifyPassed(d);
        QVERIFY(d->process(QStringLiteral("service1-demo")));
        QVERIFY(!d->process(QStringLiteral("service1-demo"))->running());
        QVERIFY2(test::registered(*window_, "service1").isEmpty(),
                 qPrintable(test::registered(*window_, "service1").join(QLatin1Char(','))));
        QVERIFY2(test::registered(*window_, "upstream-").isEmpty(),
                 qPrintable(test::registered(*window_, "upstream-").join(QLatin1Char(','))));
    }

    void e4LoadBalancingAndFailover() {
        DemoController* d = run("e4", 400000);
        verifyPassed(d);
        // Both served before the kill, only the survivor after, 20 calls each, none failed.
        InstanceCountModel& counts = d->counts();
        QCOMPARE(counts.runCount(), 2);
        QVERIFY(counts.count(0, QStringLiteral("service1-a")) > 0);
        QVERIFY(counts.count(0, QStringLiteral("service1-b")) > 0);
        QCOMPARE(counts.count(0, QStringLiteral("service1-a")) +
                     counts.count(0, QStringLiteral("service1-b")),
                 20);
        QCOMPARE(counts.count(1, QStringLiteral("service1-a")), 0);
        QCOMPARE(counts.count(1, QStringLiteral("service1-b")), 20);
        for (const char* id : {"service1-a", "service1-b"}) {
            QVERIFY(d->process(QString::fromLatin1(id)));
            QVERIFY(!d->process(QString::fromLatin1(id))->running());
        }
        // The killed provider's registration was removed by the clean-up.
        QVERIFY2(test::registered(*window_, "service1").isEmpty(),
                 qPrintable(test::registered(*window_, "service1").join(QLatin1Char(','))));
        QVERIFY2(test::registered(*window_, "upstream-").isEmpty(),
                 qPrintable(test::registered(*window_, "upstream-").join(QLatin1Char(','))));
        // And the Services view shows it at once, when the demo says it is finished (no
        // waiting for the next poll): nothing of the demo is listed.
        ServicesModel& services = window_->context()->services();
        for (int r = 0; r < services.rowCount(); ++r) {
            const QString id = services.index(r, 0).data(ServicesModel::IdRole).toString();
            QVERIFY2(!id.contains(QLatin1String("service1")) &&
                         !id.startsWith(QLatin1String("upstream-")),
                     qPrintable(id));
        }
    }
};

QTEST_MAIN(TestDemoRpc)
#include "test_demo_rpc.moc"
