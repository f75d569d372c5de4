#include <QCoreApplication>
#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTest>

#include "common/hostname.h"
#include "consul/agent_endpoints.h"
#include "consul/connect_endpoints.h"
#include "consul/consul_api.h"
#include "engine/agent_monitor.h"
#include "engine/connect_readiness.h"
#include "engine/intentions_watch.h"
#include "engine/session.h"
#include "mesh/service_mesh.h"
#include "rpc/rpc_server.h"

using namespace meshx;
namespace ep = meshx::consul::endpoints;

// The engine session against its own embedded dev agent: what both front ends rely on.
// Services here run no sidecar process ("proxy": null): the data plane is tested elsewhere.
class TestSession : public QObject {
    Q_OBJECT

    static constexpr int kWaitMs = 30000;

    static MeshConfig config() {
        MeshConfig c;
        c.portRangeMin = 23000;
        c.portRangeMax = 23999;
        c.ttlIntervalMs = 300;
        c.templates["bare"] = R"({"proxy": null})";
        return c;
    }

    static std::unique_ptr<engine::Session> open() {
        auto s = engine::Session::open({config(), /*embeddedAgent=*/true});
        if (!s) {
            qFatal("session: %s", s.error().toString().c_str());
        }
        return std::move(*s);
    }

  private slots:
    void opensOnEmbeddedAgentAndStartsThroughTheInterface() {
        auto session = open();
        QVERIFY(session->embedded());
        QVERIFY(session->agentAddress().rfind("http://127.0.0.1:", 0) == 0);
        auto tmpl = session->namedTemplate("bare");
        QVERIFY2(tmpl.ok(), tmpl.ok() ? "" : tmpl.error().toString().c_str());
        QVERIFY(!tmpl->proxy);

        mesh::ServiceMesh& mesh = session->mesh();
        auto started = mesh.start(mesh::ServiceParams::namedWithId("web", "web-1"), *tmpl, false,
                                  std::chrono::milliseconds(kWaitMs));
        QVERIFY2(started.ok(), started.ok() ? "" : started.error().toString().c_str());
        QCOMPARE(started->serviceId, std::string("web-1"));
        QVERIFY(started->address.port() >= 23000 && started->address.port() <= 23999);
        QCOMPARE(mesh.list(), std::vector<std::string>{"web-1"});
        auto health = session->api().call(ep::agentHealthById("web-1"));
        QVERIFY(health.ok() && health->passing());

        // An unknown template names the registered proxy kinds.
        auto unknown = session->namedTemplate("no-such-kind");
        QVERIFY(!unknown.ok());
        QVERIFY(unknown.error().message.find("no-such-kind") != std::string::npos);
    }

    void planShowsWhatStartRegistersAndStartExecutesIt() {
        auto session = open();
        mesh::ServiceMesh& mesh = session->mesh();
        auto tmpl = session->namedTemplate("bare");
        QVERIFY(tmpl.ok());
        auto plan = mesh.plan(mesh::ServiceParams::namedWithId("calc", "calc-1"), *tmpl);
        QVERIFY2(plan.ok(), plan.ok() ? "" : plan.error().toString().c_str());
        QCOMPARE(plan->serviceId, std::string("calc-1"));
        QVERIFY(plan->sampleAddress);
        QCOMPARE(plan->registration["Name"].get<std::string>(), std::string("calc"));
        QCOMPARE(
            plan->registration["Connect"]["SidecarService"]["Proxy"]["LocalServicePort"].get<int>(),
            23000);
        QVERIFY(plan->ttl && plan->ttl->checkId == "ttl:calc-1");
        QVERIFY(plan->proxy.empty());
        // Nothing was sent.
        QVERIFY(!session->api().call(ep::agentService("calc-1")).ok());

        auto started = mesh.start(*plan, false, std::chrono::milliseconds(kWaitMs));
        QVERIFY2(started.ok(), started.ok() ? "" : started.error().toString().c_str());
        auto registered = session->api().call(ep::agentService("calc-1"));
        QVERIFY(registered.ok());
        QCOMPARE(registered->service, std::string("calc"));

        // The checks start makes are the plan's: a bad TTL status is refused before anything.
        mesh::ServiceTemplate bad = *tmpl;
        bad.ttl->status = "sleepy";
        auto refused = mesh.plan(mesh::ServiceParams::namedWithId("calc", "calc-2"), bad);
        QVERIFY(!refused.ok());
        QVERIFY(refused.error().message.find("sleepy") != std::string::npos);
        auto notStarted = mesh.start(mesh::ServiceParams::namedWithId("calc", "calc-2"), bad, false,
                                     std::chrono::milliseconds(kWaitMs));
        QVERIFY(!notStarted.ok());
        QCOMPARE(notStarted.error().message, refused.error().message);
    }

    void monitorSeesServicesAndAgentOutage() {
        auto session = open();
        engine::AgentMonitor& monitor = session->monitor();
        monitor.start(std::chrono::milliseconds(100));
        QTRY_VERIFY_WITH_TIMEOUT(monitor.reachable(), kWaitMs);

        auto started = session->mesh().start(mesh::ServiceParams::namedWithId("api", "api-1"),
                                             *session->namedTemplate("bare"), false,
                                             std::chrono::milliseconds(kWaitMs));
        QVERIFY(started.ok());
        monitor.refreshNow();
        QTRY_VERIFY_WITH_TIMEOUT(monitor.snapshot().services.count("api-1") == 1, kWaitMs);

        QVERIFY(session->stopEmbeddedAgent().ok());
        QTRY_VERIFY_WITH_TIMEOUT(!monitor.reachable(), kWaitMs);
        QCOMPARE(monitor.outages(), 1);
        QVERIFY(session->restartEmbeddedAgent().ok());
        QTRY_VERIFY_WITH_TIMEOUT(monitor.reachable(), kWaitMs);
    }

    void intentionsWatchDecidesVerdicts() {
        auto session = open();
        engine::IntentionsWatch& watch = session->intentions();
        QSignalSpy changed(&watch, &engine::IntentionsWatch::changed);
        watch.start();
        QTRY_VERIFY_WITH_TIMEOUT(changed.count() >= 1, kWaitMs);
        QVERIFY(watch.verdicts().decide("web", "db").allowed);  // default allow

        auto put = session->api().call(
            ep::upsertIntention("web", "db", nlohmann::json{{"Action", "deny"}}));
        QVERIFY2(put.ok(), put.ok() ? "" : put.error().toString().c_str());
        QTRY_VERIFY_WITH_TIMEOUT(!watch.verdicts().decide("web", "db").allowed, kWaitMs);
        QVERIFY(watch.verdicts().decide("web", "db").decision.find("web => db") !=
                std::string::npos);
        QVERIFY(watch.verdicts().decide("other", "db").allowed);
    }

    void removeLeftoverDeregistersOnlyWhatNobodyRuns() {
        auto session = open();
        // A provider that died without deregistering: registered, owned by no engine.
        auto reg = session->api().call(ep::registerService(
            nlohmann::json{{"ID", "gone-1"}, {"Name", "gone"}, {"Port", 23999}}, true));
        QVERIFY2(reg.ok(), reg.ok() ? "" : reg.error().toString().c_str());
        auto removed = session->mesh().removeLeftover("gone-1");
        QVERIFY2(removed.ok(), removed.ok() ? "" : removed.error().toString().c_str());
        QCOMPARE(*removed, std::vector<std::string>{"gone-1"});
        QVERIFY(!session->api().call(ep::agentService("gone-1")).ok());

        auto started = session->mesh().start(mesh::ServiceParams::namedWithId("own", "own-1"),
                                             *session->namedTemplate("bare"), false,
                                             std::chrono::milliseconds(kWaitMs));
        QVERIFY(started.ok());
        auto refused = session->mesh().removeLeftover("own-1");
        QVERIFY(!refused.ok());
        QCOMPARE(refused.error().code, Code::InvalidState);
        QVERIFY(session->api().call(ep::agentService("own-1")).ok());
    }

    void connectReadinessTimesOutWithoutSidecarAndHonoursCancel() {
        auto session = open();
        // No sidecar is registered for "nobody": the wait ends at its limit, false.
        QElapsedTimer clock;
        clock.start();
        QVERIFY(!engine::waitConnectPassing(session->api(), "nobody", "nobody-1",
                                            std::chrono::milliseconds(1500)));
        QVERIFY(clock.elapsed() >= 1400);
        // A cancel is seen within one blocking wait, long before the limit.
        clock.restart();
        QVERIFY(!engine::waitConnectPassing(session->api(), "nobody", "nobody-1",
                                            std::chrono::milliseconds(60000), [] { return true; }));
        QVERIFY(clock.elapsed() < 30000);
    }

    void closingStopsAdoptedRpcServers() {
        auto session = open();
        rpc::RpcServerOptions options;
        options.address = net::Address::tcp("127.0.0.1", 0);
        auto server = std::make_shared<rpc::RpcServer>(options);
        QVERIFY(server->start().ok());
        const net::Address bound = server->address();
        QVERIFY(bound.port() != 0);
        session->adopt(server);
        QTcpSocket before;
        before.connectToHost(QString::fromStdString(bound.host()), bound.port());
        QVERIFY(before.waitForConnected(kWaitMs));
        before.abort();

        session.reset();  // stops the server (then the services, then the agent)
        QTcpSocket after;
        after.connectToHost(QString::fromStdString(bound.host()), bound.port());
        QVERIFY(!after.waitForConnected(5000));
    }
};

QTEST_GUILESS_MAIN(TestSession)
#include "test_session.moc"
