// meshx-proxy against the real dev agent, as real processes:
//
//   client -> web's sidecar (upstream listener) -> mTLS -> db's sidecar -> db (an echo server)
//
// Intentions, two db instances, a killed instance, upstreams edited live, shutdown and start-up
// failures. Health comes from the agent's own TCP checks on the sidecars (1 s interval), so
// "the agent marks it critical" is the agent's doing, not the test's.

#include <nlohmann/json.hpp>

#include <sys/socket.h>
#include <unistd.h>

#include "agent_process.h"
#include "consul/agent_endpoints.h"
#include "consul/catalog_endpoints.h"
#include "consul/connect_endpoints.h"
#include "consul/consul_client.h"
#include "mesh_processes.h"
#include "meshx_test.h"
#include "proxy/sidecar_lookup.h"
#include "proxy_test_support.h"

using namespace meshx;
using meshx::proxy::testing::EchoServer;
using meshx::proxy::testing::freePort;
using meshx::proxy::testing::Ms;
using meshx::proxy::testing::refused;
using meshx::proxy::testing::roundTrip;
using nlohmann::json;
namespace ep = meshx::consul::endpoints;

class TestProxyMesh : public QObject {
    Q_OBJECT

    std::unique_ptr<QTemporaryDir> dir_;
    std::unique_ptr<AgentProcess> agent_;
    std::unique_ptr<consul::ConsulClient> client_;
    std::vector<std::unique_ptr<MeshProcess>> sidecars_;

    // A provider instance `id` of service `name` with its sidecar on `sidecarPort`, health-checked
    // by the agent with a TCP probe every second.
    void registerProvider(const std::string& id, const std::string& name, uint16_t appPort,
                          uint16_t sidecarPort) {
        json def = {{"ID", id},
                    {"Name", name},
                    {"Port", appPort},
                    {"Connect",
                     {{"SidecarService",
                       {{"Port", sidecarPort},
                        {"Checks",
                         {{{"Name", "listening"},
                           {"TCP", "127.0.0.1:" + std::to_string(sidecarPort)},
                           {"Interval", "1s"}}}}}}}}};
        auto r = client_->call(ep::registerService(def, true));
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
    }

    // A consumer `id` whose sidecar has one upstream to `destination` on `localPort`.
    void registerConsumer(const std::string& id, const std::string& destination,
                          uint16_t localPort) {
        json def = {
            {"ID", id},
            {"Name", id},
            {"Port", freePort()},
            {"Connect",
             {{"SidecarService",
               {{"Port", freePort()},
                {"Proxy",
                 {{"Upstreams",
                   {{{"DestinationName", destination}, {"LocalBindPort", localPort}}}}}}}}}}};
        auto r = client_->call(ep::registerService(def, true));
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
    }

    MeshProcess* startSidecar(const std::string& serviceId, const QStringList& extra = {}) {
        auto p = std::make_unique<MeshProcess>(dir_->path() + "/sidecar-" +
                                               QString::fromStdString(serviceId) + "-" +
                                               QString::number(sidecars_.size()) + ".log");
        bool ok =
            p->start("meshx-proxy", QStringList{"-sidecar-for", QString::fromStdString(serviceId),
                                                "-http-addr", agent_->address()} +
                                        extra);
        if (!ok) {
            return nullptr;
        }
        sidecars_.push_back(std::move(p));
        return sidecars_.back().get();
    }

    size_t healthyInstances(const std::string& name) {
        ep::HealthQuery q;
        q.passing = true;
        auto r = client_->call(ep::healthConnect(name, q));
        return r ? r->value.size() : 0;
    }

    bool setIntention(const std::string& action) {
        return client_->call(ep::upsertIntention("web", "db", json{{"Action", action}})).ok();
    }

  private slots:
    void init() {
        dir_ = std::make_unique<QTemporaryDir>();
        agent_ = std::make_unique<AgentProcess>();
        QVERIFY2(agent_->start(), qPrintable(agent_->error()));
        MeshConfig c;
        c.agent = *AgentEndpoint::parse(agent_->addressString());
        client_ = std::move(*consul::ConsulClient::create(c));
    }
    void cleanup() {
        sidecars_.clear();
        client_.reset();
        agent_.reset();
        dir_.reset();
    }

    void clientReachesProviderThroughTwoSidecars() {
        EchoServer db;
        uint16_t upstream = freePort();
        registerProvider("db-1", "db", db.port(), freePort());
        registerConsumer("web", "db", upstream);
        MeshProcess* dbSidecar = startSidecar("db-1");
        MeshProcess* webSidecar = startSidecar("web");
        QVERIFY(dbSidecar && webSidecar);
        QTRY_COMPARE_WITH_TIMEOUT(healthyInstances("db"), size_t(1), 20000);
        QTRY_COMPARE_WITH_TIMEOUT(roundTrip(upstream, "ping"), std::string("ping"), 20000);

        QString dbOut = dbSidecar->output();
        QVERIFY2(dbOut.startsWith("==> Consul Connect proxy starting...\n"
                                  "    Configuration mode: Agent API\n"
                                  "        Sidecar for ID: db-1\n"
                                  "              Proxy ID: db-1-sidecar-proxy\n"),
                 qPrintable(dbOut));
        QVERIFY(dbOut.contains("[INFO]  proxy: Proxy loaded config and ready to serve"));
        QVERIFY(dbOut.contains("proxy: Parsed TLS identity: uri=spiffe://"));
        QVERIFY(dbOut.contains("/ns/default/dc/dc1/svc/db"));
        QVERIFY(dbOut.contains("Starting listener: listener=\"public listener\""));
        QVERIFY(webSidecar->output().contains(
            QString("Starting listener: listener=127.0.0.1:%1->service:default/default/db")
                .arg(upstream)));
        // The agent's TCP probes on the public port are not reported as TLS failures.
        QVERIFY2(!dbOut.contains("[ERROR]"), qPrintable(dbOut));
    }

    void intentionsDenyThenAllow() {
        EchoServer db;
        uint16_t upstream = freePort();
        registerProvider("db-1", "db", db.port(), freePort());
        registerConsumer("web", "db", upstream);
        MeshProcess* dbSidecar = startSidecar("db-1");
        QVERIFY(dbSidecar && startSidecar("web"));
        QTRY_COMPARE_WITH_TIMEOUT(roundTrip(upstream, "a"), std::string("a"), 20000);

        QVERIFY(setIntention("deny"));
        // Decisions are cached for a second: the deny bites within that.
        QTRY_VERIFY_WITH_TIMEOUT(roundTrip(upstream, "b").empty(), 10000);
        int accepted = db.accepted();
        QVERIFY(roundTrip(upstream, "c").empty());
        QCOMPARE(db.accepted(), accepted);  // a denied client never reaches the app
        QTRY_VERIFY(dbSidecar->output().contains(
            "[ERROR] proxy.connect: authz call denied: service=db reason="));

        QVERIFY(setIntention("allow"));
        QTRY_COMPARE_WITH_TIMEOUT(roundTrip(upstream, "d"), std::string("d"), 10000);
    }

    void twoInstancesTakeTurnsAndAKilledOneFailsOver() {
        EchoServer app1;
        auto app2 = std::make_unique<EchoServer>();
        uint16_t upstream = freePort();
        registerProvider("db-1", "db", app1.port(), freePort());
        registerProvider("db-2", "db", app2->port(), freePort());
        registerConsumer("web", "db", upstream);
        QVERIFY(startSidecar("db-1"));
        MeshProcess* db2Sidecar = startSidecar("db-2");
        MeshProcess* web = startSidecar("web");
        QVERIFY(db2Sidecar && web);
        QTRY_COMPARE_WITH_TIMEOUT(healthyInstances("db"), size_t(2), 20000);
        // Until web's watch has delivered both instances, keep connecting.
        QTRY_VERIFY_WITH_TIMEOUT(
            roundTrip(upstream, "w") == "w" && app1.accepted() > 0 && app2->accepted() > 0, 20000);

        // Alternating connections: each instance gets every second one.
        int a = app1.accepted();
        int b = app2->accepted();
        for (int i = 0; i < 10; ++i) {
            QCOMPARE(roundTrip(upstream, "x"), std::string("x"));
        }
        QCOMPARE(app1.accepted() - a, 5);
        QCOMPARE(app2->accepted() - b, 5);

        // Kill db-2 (sidecar and app). Before the agent notices, connections that would go to
        // it fail over to db-1 at once: none fails.
        db2Sidecar->kill();
        app2.reset();
        for (int i = 0; i < 10; ++i) {
            QCOMPARE(roundTrip(upstream, "y"), std::string("y"));
        }
        // Once the agent marks it critical, every new connection goes to the survivor.
        QTRY_COMPARE_WITH_TIMEOUT(healthyInstances("db"), size_t(1), 20000);
        QTRY_VERIFY_WITH_TIMEOUT(web->output().contains("dial attempt failed"), 5000);
        a = app1.accepted();
        for (int i = 0; i < 10; ++i) {
            QCOMPARE(roundTrip(upstream, "z"), std::string("z"));
        }
        QCOMPARE(app1.accepted() - a, 10);
    }

    void upstreamsChangeWithoutRestart() {
        EchoServer db;
        EchoServer cache;
        uint16_t first = freePort();
        registerProvider("db-1", "db", db.port(), freePort());
        registerProvider("cache-1", "cache", cache.port(), freePort());
        registerConsumer("web", "db", first);
        QVERIFY(startSidecar("db-1"));
        QVERIFY(startSidecar("cache-1"));
        MeshProcess* web = startSidecar("web");
        QVERIFY(web);
        QTRY_COMPARE_WITH_TIMEOUT(roundTrip(first, "1"), std::string("1"), 20000);

        // Edit the sidecar's upstreams the way the engine does: read, change, re-register.
        auto edit = [&](const std::vector<std::pair<std::string, uint16_t>>& upstreams) {
            auto svc = client_->call(ep::agentService("web-sidecar-proxy"));
            QVERIFY(svc.ok());
            json reg = svc->toRegistration();
            json ups = json::array();
            for (const auto& [name, port] : upstreams) {
                ups.push_back({{"DestinationName", name}, {"LocalBindPort", port}});
            }
            reg["Proxy"]["Upstreams"] = ups;
            auto r = client_->call(ep::registerService(reg, false));
            QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
        };
        uint16_t second = freePort();
        edit({{"db", first}, {"cache", second}});
        QTRY_COMPARE_WITH_TIMEOUT(roundTrip(second, "2"), std::string("2"), 20000);
        QVERIFY(cache.accepted() >= 1);  // the new upstream reached the cache app
        QCOMPARE(roundTrip(first, "3"), std::string("3"));
        edit({{"cache", second}});
        QTRY_VERIFY_WITH_TIMEOUT(refused(first), 10000);
        QCOMPARE(roundTrip(second, "4"), std::string("4"));
        QVERIFY(web->output().contains(
            QString("Stopping listener: listener=127.0.0.1:%1->service:default/default/db")
                .arg(first)));
        QVERIFY(web->running());
    }

    void sigtermShutsDownCleanly() {
        EchoServer db;
        uint16_t sidecarPort = freePort();
        registerProvider("db-1", "db", db.port(), sidecarPort);
        MeshProcess* sidecar = startSidecar("db-1");
        QVERIFY(sidecar);
        QTRY_VERIFY_WITH_TIMEOUT(sidecar->output().contains("Starting listener"), 20000);
        QCOMPARE(sidecar->terminate(), 0);
        QVERIFY(sidecar->output().endsWith("==> Consul Connect proxy shutdown\n"));
        QVERIFY(refused(sidecarPort));
    }

    // -sidecar-for asks the agent for the sidecar candidates only (proxy::sidecarFilter), so a
    // start does not read every registration; a case-insensitive match, which the filter cannot
    // express, still comes from the full listing.
    void sidecarForReadsOnlyItsCandidatesAndStillIgnoresCase() {
        EchoServer db;
        uint16_t sidecarPort = freePort();
        registerProvider("db-1", "db", db.port(), sidecarPort);
        for (int i = 0; i < 20; ++i) {
            registerProvider("other-" + std::to_string(i), "other", freePort(), freePort());
        }
        auto candidates = client_->call(ep::agentServices(proxy::sidecarFilter("db-1")));
        QVERIFY2(candidates.ok(), candidates.ok() ? "" : candidates.error().message.c_str());
        QCOMPARE(candidates->size(), size_t(1));
        QCOMPARE(candidates->begin()->first, std::string("db-1-sidecar-proxy"));
        auto none = client_->call(ep::agentServices(proxy::sidecarFilter("DB-1")));
        QVERIFY(none.ok());
        QCOMPARE(none->size(), size_t(0));

        MeshProcess* exact = startSidecar("db-1");
        QVERIFY(exact);
        QTRY_VERIFY_WITH_TIMEOUT(exact->output().contains("Starting listener"), 20000);
        QVERIFY2(exact->output().contains("Proxy ID: db-1-sidecar-proxy\n"),
                 qPrintable(exact->output()));
        QCOMPARE(exact->terminate(), 0);

        MeshProcess* upper = startSidecar("DB-1");
        QVERIFY(upper);
        QTRY_VERIFY_WITH_TIMEOUT(upper->output().contains("Starting listener"), 20000);
        QVERIFY2(upper->output().contains("Proxy ID: db-1-sidecar-proxy\n"),
                 qPrintable(upper->output()));
        QCOMPARE(upper->terminate(), 0);
    }

    void missingSidecarExitsWithOne() {
        auto r = runProcess(meshxBinary("meshx-proxy"),
                            {"-sidecar-for", "nope", "-http-addr", agent_->address()});
        QVERIFY(r.finished);
        QCOMPARE(r.exitCode, 1);
        QCOMPARE(r.err, QString("==> Error preparing configuration: No sidecar proxy registered "
                                "for nope\n"));
        QVERIFY(r.out.startsWith("==> Consul Connect proxy starting..."));
    }

    void agentDownAtStartIsRetriedAndTheTokenNeverShows() {
        const QString token = "s3cr3t-t0ken-4f1d";
        // The proxy ID is known up front, so the proxy waits for the agent to come up.
        uint16_t agentPort = freePort();
        auto p = std::make_unique<MeshProcess>(dir_->path() + "/early.log");
        QVERIFY(p->start("meshx-proxy", {"-proxy-id", "db-1-sidecar-proxy", "-http-addr",
                                         QString("127.0.0.1:%1").arg(agentPort), "-token", token}));
        QTRY_VERIFY_WITH_TIMEOUT(p->output().contains("failed to watch the proxy service"), 10000);

        AgentProcess late;
        QVERIFY2(late.start({}, agentPort), qPrintable(late.error()));
        MeshConfig c;
        c.agent = *AgentEndpoint::parse(late.addressString());
        auto lateClient = std::move(*consul::ConsulClient::create(c));
        EchoServer db;
        uint16_t sidecarPort = freePort();
        json def = {{"ID", "db-1"},
                    {"Name", "db"},
                    {"Port", db.port()},
                    {"Connect", {{"SidecarService", {{"Port", sidecarPort}}}}}};
        QVERIFY(lateClient->call(ep::registerService(def, true)).ok());
        QTRY_VERIFY_WITH_TIMEOUT(p->output().contains("Starting listener"), 30000);
        QCOMPARE(p->terminate(), 0);
        QVERIFY(!p->output().contains(token));
        QVERIFY(!p->errors().contains(token));
    }
};

QTEST_GUILESS_MAIN(TestProxyMesh)
#include "test_proxy_mesh.moc"
