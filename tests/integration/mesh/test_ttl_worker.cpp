#include <QElapsedTimer>
#include <QSignalSpy>

#include "agent/dev_agent.h"
#include "consul/agent_endpoints.h"
#include "consul/consul_client.h"
#include "mesh/ttl_worker.h"
#include "meshx_test.h"

using namespace meshx;
using namespace meshx::mesh;
namespace ep = meshx::consul::endpoints;
using std::chrono::milliseconds;

// TtlWorker against the in-process dev agent: timing of the first update, the period, pushes on
// set, 404 as checkLost, deregistration on stop and silence after it.
class TestTtlWorker : public QObject {
    Q_OBJECT

    std::unique_ptr<agent::DevAgent> agent_;
    std::unique_ptr<consul::ConsulClient> client_;

    // A service with a TTL check that starts critical, as the engine registers it.
    void registerService(const std::string& id) {
        const nlohmann::json reg = {
            {"Name", "ttl-test"},
            {"ID", id},
            {"Port", 1},
            {"Check", {{"CheckID", "ttl:" + id}, {"Name", "ttl"}, {"TTL", "60s"}}}};
        QVERIFY(client_->call(ep::registerService(reg, false)).ok());
    }
    std::string checkStatus(const std::string& checkId) {
        auto checks = client_->call(ep::agentChecks());
        if (!checks || !checks->count(checkId)) {
            return "absent";
        }
        return checks->at(checkId).status;
    }

  private slots:
    void initTestCase() {
        agent_ = std::make_unique<agent::DevAgent>(agent::AgentConfig{},
                                                   [](agent::LogLevel, const std::string&) {});
        auto bound = agent_->start(*net::Address::parse("127.0.0.1:0"));
        QVERIFY(bound.ok());
        MeshConfig c;
        c.agent = *AgentEndpoint::parse(bound->hostPort());
        client_ = std::move(*consul::ConsulClient::create(c));
    }

    void firstUpdateComesLongBeforeThePeriod() {
        registerService("t1");
        QCOMPARE(checkStatus("ttl:t1"), std::string("critical"));
        // A period of a minute: only the ~100 ms first update can make the check pass in time.
        TtlWorker worker(*client_, "t1", "ttl:t1", "passing", milliseconds(60000));
        QSignalSpy pushed(&worker, &TtlWorker::statusPushed);
        QElapsedTimer t;
        t.start();
        worker.start();
        QTRY_COMPARE_WITH_TIMEOUT(pushed.count(), 1, 20000);
        QVERIFY2(t.elapsed() < 30000, "first update waited for the period");
        QCOMPARE(checkStatus("ttl:t1"), std::string("passing"));
        QCOMPARE(worker.updates(), uint64_t{1});
        worker.stop();
    }

    void updatesRepeatEveryPeriod() {
        registerService("t2");
        TtlWorker worker(*client_, "t2", "ttl:t2", "passing", milliseconds(100), milliseconds(100));
        worker.start();
        QTRY_VERIFY_WITH_TIMEOUT(worker.updates() >= 5, 30000);
        worker.stop();
    }

    void setStatusPushesAtOnce() {
        registerService("t3");
        TtlWorker worker(*client_, "t3", "ttl:t3", "passing", milliseconds(60000));
        worker.start();
        QTRY_COMPARE_WITH_TIMEOUT(checkStatus("ttl:t3"), std::string("passing"), 20000);
        // No further periodic update is due for a minute: the agent sees each status only
        // because setStatus pushes it.
        QVERIFY(worker.setStatus("warning").ok());
        QTRY_COMPARE_WITH_TIMEOUT(checkStatus("ttl:t3"), std::string("warning"), 20000);
        QVERIFY(worker.setStatus("critical").ok());
        QTRY_COMPARE_WITH_TIMEOUT(checkStatus("ttl:t3"), std::string("critical"), 20000);
        QCOMPARE(worker.status(), std::string("critical"));

        auto bad = worker.setStatus("green");
        QVERIFY(!bad.ok());
        QCOMPARE(bad.error().code, Code::InvalidArgument);
        QCOMPARE(worker.status(), std::string("critical"));
        worker.stop();
    }

    void lostCheckIsReportedAndStopDeregisters() {
        registerService("t4");
        TtlWorker worker(*client_, "t4", "ttl:t4", "passing", milliseconds(100), milliseconds(100));
        QSignalSpy lost(&worker, &TtlWorker::checkLost);
        worker.start();
        QTRY_VERIFY_WITH_TIMEOUT(worker.updates() >= 1, 20000);
        // Someone removes the check behind the worker's back (as an agent restart does).
        QVERIFY(client_->call(ep::deregisterCheck("ttl:t4")).ok());
        QTRY_VERIFY_WITH_TIMEOUT(lost.count() >= 1, 20000);
        QCOMPARE(lost.first().first().toString(), QStringLiteral("t4"));

        // Back again (the engine re-registers); stop() removes it for good.
        registerService("t4");
        QTRY_COMPARE_WITH_TIMEOUT(checkStatus("ttl:t4"), std::string("passing"), 20000);

        // Stop while the next update is scheduled: just after one was pushed (the answer's
        // handling re-arms the timer before the event loop runs again).
        QSignalSpy pushed(&worker, &TtlWorker::statusPushed);
        QVERIFY(pushed.wait(20000));
        QVERIFY(worker.updateScheduled());
        worker.stop();
        QVERIFY(!worker.updateScheduled());
        QCOMPARE(checkStatus("ttl:t4"), std::string("absent"));
        const auto updates = worker.updates();

        // Nothing of the stopped worker reaches the agent later. Its check is registered again
        // (critical) before the event loop runs, and a witness started after stop() with the
        // same timing pushes three updates, each after the previous answer: an update the
        // stopped worker still had scheduled was due before the witness's first, and would
        // have made t4 pass.
        registerService("t4");
        registerService("t5");
        QCOMPARE(checkStatus("ttl:t4"), std::string("critical"));
        TtlWorker witness(*client_, "t5", "ttl:t5", "passing", milliseconds(100),
                          milliseconds(100));
        witness.start();
        QTRY_VERIFY_WITH_TIMEOUT(witness.updates() >= 3, 20000);
        witness.stop();
        QCOMPARE(checkStatus("ttl:t4"), std::string("critical"));
        QCOMPARE(worker.updates(), updates);
        QVERIFY(!worker.updateScheduled());
    }
};

QTEST_GUILESS_MAIN(TestTtlWorker)
#include "test_ttl_worker.moc"
