#include <QTcpServer>

#include <chrono>
#include <future>
#include <thread>

#include "agent/dev_agent.h"
#include "consul/agent_endpoints.h"
#include "consul/consul_client.h"
#include "mesh/passing_waiter.h"
#include "meshx_test.h"

using namespace meshx;
using namespace meshx::mesh;
namespace ep = meshx::consul::endpoints;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

// PassingWaiter against the in-process dev agent: a batch wait sees each instance pass, returns
// the ones still failing at its deadline, and outlasts an agent that is not there yet (a slow or
// restarting agent must not fail a whole batch start).
class TestPassingWaiter : public QObject {
    Q_OBJECT

    std::unique_ptr<agent::DevAgent> agent_;
    std::unique_ptr<consul::ConsulClient> client_;

    static std::unique_ptr<agent::DevAgent> quietAgent() {
        return std::make_unique<agent::DevAgent>(agent::AgentConfig{},
                                                 [](agent::LogLevel, const std::string&) {});
    }
    static std::unique_ptr<consul::ConsulClient> clientFor(const net::Address& at) {
        MeshConfig c;
        c.agent = *AgentEndpoint::parse(at.hostPort());
        return std::move(*consul::ConsulClient::create(c));
    }
    // An instance of `name` with a TTL check that starts critical, as the engine registers it.
    static void registerInstance(consul::ConsulClient& client, const std::string& name,
                                 const std::string& id) {
        const nlohmann::json reg = {
            {"Name", name},
            {"ID", id},
            {"Port", 1},
            {"Check", {{"CheckID", "ttl:" + id}, {"Name", "ttl"}, {"TTL", "60s"}}}};
        QVERIFY(client.call(ep::registerService(reg, false)).ok());
    }
    static void pass(consul::ConsulClient& client, const std::string& id) {
        QVERIFY(client.call(ep::passCheck("ttl:" + id)).ok());
    }

  private slots:
    void initTestCase() {
        agent_ = quietAgent();
        auto bound = agent_->start(*net::Address::parse("127.0.0.1:0"));
        QVERIFY(bound.ok());
        client_ = clientFor(*bound);
    }

    // Four instances pass one after another while the waiter blocks: it returns all passing.
    void batchSeesEveryInstancePass() {
        const std::set<std::string> ids{"b-1", "b-2", "b-3", "b-4"};
        for (const auto& id : ids) {
            registerInstance(*client_, "batch", id);
        }
        PassingWaiter waiter(*client_);
        WaitInterrupt interrupt;
        uint64_t seen = 0;
        auto waiting = std::async(std::launch::async, [&] {
            return waiter.wait("batch", ids, Clock::now() + seconds(60), interrupt, seen);
        });
        for (const auto& id : ids) {
            QVERIFY(waiting.wait_for(milliseconds(0)) == std::future_status::timeout);
            pass(*client_, id);
        }
        QVERIFY(waiting.wait_for(seconds(60)) == std::future_status::ready);
        auto left = waiting.get();
        QVERIFY2(left.ok(), left.ok() ? "" : left.error().toString().c_str());
        QVERIFY(left->empty());
    }

    // At the deadline the ids still failing come back, and only those.
    void deadlineReturnsTheFailingOnes() {
        registerInstance(*client_, "half", "h-1");
        registerInstance(*client_, "half", "h-2");
        pass(*client_, "h-1");
        PassingWaiter waiter(*client_);
        WaitInterrupt interrupt;
        uint64_t seen = 0;
        auto left =
            waiter.wait("half", {"h-1", "h-2"}, Clock::now() + milliseconds(800), interrupt, seen);
        QVERIFY(left.ok());
        QCOMPARE(*left, std::set<std::string>{"h-2"});
    }

    // The agent is not there when the wait begins and comes up within the deadline: the wait
    // retries and succeeds instead of failing at the first refused connection.
    void outlastsAnAgentThatComesUpLate() {
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
        const auto at = *net::Address::parse("127.0.0.1:" + std::to_string(probe.serverPort()));
        probe.close();  // a free port, nobody listening yet

        auto client = clientFor(at);
        PassingWaiter waiter(*client);
        WaitInterrupt interrupt;
        uint64_t seen = 0;
        auto waiting = std::async(std::launch::async, [&] {
            return waiter.wait("late", {"l-1"}, Clock::now() + seconds(60), interrupt, seen);
        });
        // Let the waiter meet refused connections first, then bring the agent up there.
        QTRY_VERIFY_WITH_TIMEOUT(waiting.wait_for(milliseconds(0)) == std::future_status::timeout,
                                 1000);
        std::this_thread::sleep_for(milliseconds(300));  // the subject: time with no agent at all
        auto late = quietAgent();
        QVERIFY(late->start(at).ok());
        auto lateClient = clientFor(at);
        registerInstance(*lateClient, "late", "l-1");
        pass(*lateClient, "l-1");
        QVERIFY(waiting.wait_for(seconds(60)) == std::future_status::ready);
        auto left = waiting.get();
        QVERIFY2(left.ok(), left.ok() ? "" : left.error().toString().c_str());
        QVERIFY(left->empty());
        late->stop();
    }

    // With no agent for the whole wait, the answer is the agent's error, after the deadline.
    void noAgentAtAllIsReportedAtTheDeadline() {
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
        const auto at = *net::Address::parse("127.0.0.1:" + std::to_string(probe.serverPort()));
        probe.close();
        auto client = clientFor(at);
        PassingWaiter waiter(*client);
        WaitInterrupt interrupt;
        uint64_t seen = 0;
        const auto started = Clock::now();
        auto left = waiter.wait("none", {"n-1"}, Clock::now() + milliseconds(700), interrupt, seen);
        QVERIFY(!left.ok());
        QCOMPARE(left.error().code, Code::AgentUnreachable);
        // Retried until the deadline, not given up at the first refused connection.
        QVERIFY(Clock::now() - started >= milliseconds(650));
    }

    void cleanupTestCase() { agent_->stop(); }
};

QTEST_MAIN(TestPassingWaiter)
#include "test_passing_waiter.moc"
