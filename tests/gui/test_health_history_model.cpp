#include <QSignalSpy>

#include <string>
#include <vector>

#include "meshx_test.h"
#include "ui/shared/health_history_model.h"

using namespace meshx;
using namespace meshx::ui;

namespace {

constexpr qint64 kSecondUs = 1000 * 1000;

consul::HealthCheck check(const std::string& serviceId, const std::string& status,
                          const std::string& output = {}) {
    consul::HealthCheck c;
    c.checkId = "ttl:" + serviceId;
    c.name = "TTL check";
    c.status = status;
    c.output = output;
    c.serviceId = serviceId;
    c.serviceName = serviceId.substr(0, serviceId.find('-'));
    return c;
}

}  // namespace

// The health history on its own, with the time injected: transitions with time and output,
// one insert per flush, a bounded store trimmed in one remove, and flapping flagged while N
// transitions fall inside the window and cleared once it slides past.
class TestHealthHistoryModel : public QObject {
    Q_OBJECT

  private slots:
    void transitionsCarryTimeOutputAndOneInsertPerBatch() {
        HealthHistoryModel model;
        QSignalSpy inserts(&model, &QAbstractItemModel::rowsInserted);
        model.observe({check("web-1", "critical"), check("api-1", "passing")}, 1 * kSecondUs);
        model.observe({check("web-1", "passing", "ok"), check("api-1", "passing")}, 2 * kSecondUs);
        model.observe({check("web-1", "passing", "ok"), check("api-1", "passing")}, 3 * kSecondUs);
        model.observe({check("api-1", "passing")}, 4 * kSecondUs);  // web-1 deregistered
        QCOMPARE(model.transitionCount("web-1"), 3);
        QCOMPARE(model.transitionCount("api-1"), 1);
        model.flush();
        QCOMPARE(inserts.count(), 1);
        QCOMPARE(model.rowCount(), 4);
        const auto* second = model.transitionAt(2);
        QCOMPARE(second->serviceId, std::string("web-1"));
        QCOMPARE(second->from, std::string("critical"));
        QCOMPARE(second->to, std::string("passing"));
        QCOMPARE(second->output, std::string("ok"));
        QCOMPARE(second->timeUs, 2 * kSecondUs);
        QCOMPARE(model.transitionAt(3)->to, std::string("removed"));
        QVERIFY(!model.index(2, HealthHistoryModel::Time).data().toString().isEmpty());
    }

    void storeIsBoundedAndTrimmedInOneRemove() {
        HealthHistoryModel::Options o;
        o.capacity = 10;
        o.flapThreshold = 1000;
        HealthHistoryModel model(o);
        QSignalSpy removes(&model, &QAbstractItemModel::rowsRemoved);
        const char* states[] = {"passing", "critical"};
        for (int i = 0; i < 25; ++i) {
            model.observe({check("web-1", states[i % 2])}, i * kSecondUs);
        }
        model.flush();
        QCOMPARE(model.rowCount(), 10);
        QCOMPARE(model.transitionAt(9)->timeUs, 24 * kSecondUs);  // the newest kept
        for (int i = 25; i < 32; ++i) {
            model.observe({check("web-1", states[i % 2])}, i * kSecondUs);
        }
        model.flush();
        QCOMPARE(model.rowCount(), 10);
        QCOMPARE(removes.count(), 1);
        QCOMPARE(model.transitionAt(0)->timeUs, 22 * kSecondUs);
        QCOMPARE(model.transitionAt(9)->timeUs, 31 * kSecondUs);
    }

    void flappingIsFlaggedThenClearsWhenTheWindowSlides() {
        HealthHistoryModel::Options o;
        o.flapThreshold = 4;
        o.flapWindow = std::chrono::seconds(60);
        HealthHistoryModel model(o);
        QSignalSpy changed(&model, &HealthHistoryModel::flappingChanged);
        const char* states[] = {"passing", "critical", "passing"};
        for (int i = 0; i < 3; ++i) {
            model.observe({check("web-1", states[i]), check("api-1", "passing")}, i * kSecondUs);
        }
        QVERIFY(model.flappingServices().empty());  // 3 transitions: not yet
        model.observe({check("web-1", "warning"), check("api-1", "passing")}, 3 * kSecondUs);
        QCOMPARE(model.flappingServices(), std::set<std::string>{"web-1"});
        QVERIFY(changed.count() >= 1);
        model.flush();
        QVERIFY(model.transitionAt(model.rowCount() - 1)->flapping);
        QVERIFY(model.index(model.rowCount() - 1, HealthHistoryModel::To)
                    .data()
                    .toString()
                    .contains(QLatin1String("flapping")));
        // Calm for longer than the window: no longer flapping, even without a transition.
        const qsizetype before = changed.count();
        model.observe({check("web-1", "warning"), check("api-1", "passing")}, 120 * kSecondUs);
        QVERIFY(model.flappingServices().empty());
        QCOMPARE(changed.count(), before + 1);
    }
};

QTEST_MAIN(TestHealthHistoryModel)
#include "test_health_history_model.moc"
