// ConsulClient against the real dev agent process (`meshx-agent -dev -http-port 0`): the
// engine's registration flow, filters, TTL health, blocking queries, Connect, ACLs, unix socket.

#include "meshx_test.h"

#include <QTemporaryDir>

#include <thread>

#include <nlohmann/json.hpp>

#include "agent_process.h"
#include "consul/agent_endpoints.h"
#include "consul/blocking_watcher.h"
#include "consul/catalog_endpoints.h"
#include "consul/connect_endpoints.h"
#include "consul/consul_client.h"
#include "consul/consul_error.h"
#include "consul/kv_endpoints.h"

using meshx::Code;
using meshx::consul::BlockingWatcher;
using meshx::consul::ConsulClient;
using namespace meshx::consul::endpoints;
using nlohmann::json;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

using meshx::test::msSince;
using meshx::test::ok;

namespace {

std::unique_ptr<ConsulClient> clientFor(const std::string& address, std::string token = {}) {
    meshx::MeshConfig config;
    auto ep = meshx::AgentEndpoint::parse(address);
    if (!ep) {
        return nullptr;
    }
    config.agent = *ep;
    config.token = std::move(token);
    auto client = ConsulClient::create(config);
    return client ? std::move(*client) : nullptr;
}

// The MX registration template, rendered for web-it (ARCHITECTURE.md defaults, but a 60 s
// TTL so that no expiry moves an index while a test waits on it).
json webRegistration() {
    return {{"ID", "web-it"},
            {"Name", "web"},
            {"Port", 8080},
            {"Checks",
             json::array({{{"Name", "TTL check"}, {"CheckID", "ttl:web-it"}, {"TTL", "60s"}}})},
            {"Connect",
             {{"SidecarService",
               {{"Proxy",
                 {{"LocalServiceAddress", "127.0.0.1"},
                  {"LocalServicePort", 8080},
                  {"Upstreams",
                   json::array({{{"DestinationName", "db"}, {"LocalBindPort", 9191}}})}}}}}}}};
}

}  // namespace

class TestConsulAgent : public QObject {
    Q_OBJECT

  private:
    AgentProcess agent_;
    std::unique_ptr<ConsulClient> client_;

  private slots:
    void initTestCase() {
        QVERIFY2(agent_.start(), qPrintable(agent_.error()));
        client_ = clientFor(agent_.addressString());
        QVERIFY(client_);
    }

    void agentSelf() {
        auto self = client_->call(meshx::consul::endpoints::agentSelf());
        QVERIFY(ok(self));
        QCOMPARE(self->nodeName, std::string("test-node"));
        QCOMPARE(self->datacenter, std::string("dc1"));
    }

    void registerWithSidecarAndListWithFilter() {
        QVERIFY(ok(client_->call(registerService(webRegistration(), true))));
        auto all = client_->call(agentServices());
        QVERIFY(ok(all));
        QVERIFY(all->count("web-it"));
        QVERIFY(all->count("web-it-sidecar-proxy"));
        QCOMPARE(all->at("web-it").service, std::string("web"));
        QCOMPARE(all->at("web-it").port, 8080);
        const auto& sidecar = all->at("web-it-sidecar-proxy");
        QCOMPARE(sidecar.kind, std::string("connect-proxy"));
        QCOMPARE(sidecar.service, std::string("web-sidecar-proxy"));
        QVERIFY2(sidecar.port >= 21000 && sidecar.port <= 21255,
                 qPrintable(QString::number(sidecar.port)));
        QVERIFY(sidecar.proxy);
        QCOMPARE(sidecar.proxy->destinationServiceName, std::string("web"));
        QCOMPARE(sidecar.proxy->destinationServiceId, std::string("web-it"));
        QCOMPARE(sidecar.proxy->localServiceAddress, std::string("127.0.0.1"));
        QCOMPARE(sidecar.proxy->localServicePort, 8080);
        QCOMPARE(sidecar.proxy->upstreams.size(), std::size_t(1));
        QCOMPARE(sidecar.proxy->upstreams[0].destinationName, std::string("db"));
        QCOMPARE(sidecar.proxy->upstreams[0].localBindPort, 9191);

        // MX's lookup: the filter is URL-encoded and evaluated by the agent.
        auto proxies = client_->call(agentServices("Kind == \"connect-proxy\""));
        QVERIFY(ok(proxies));
        QCOMPARE(proxies->size(), std::size_t(1));
        QVERIFY(proxies->count("web-it-sidecar-proxy"));
        auto checks = client_->call(agentChecks("ServiceID == \"web-it\""));
        QVERIFY(ok(checks));
        QCOMPARE(checks->size(), std::size_t(1));
        QCOMPARE(checks->at("ttl:web-it").status,
                 std::string("critical"));  // new checks start critical
    }

    void ttlUpdatesDriveAgentHealth() {
        auto before = client_->call(agentHealthById("web-it"));
        QVERIFY(ok(before));
        QCOMPARE(before->httpStatus, 503);
        QCOMPARE(before->aggregatedStatus, std::string("critical"));

        QVERIFY(ok(client_->call(updateCheck("ttl:web-it", CheckStatus::Passing, "all good"))));
        auto passing = client_->call(agentHealthById("web-it"));
        QVERIFY(ok(passing));
        QCOMPARE(passing->httpStatus, 200);
        QVERIFY(passing->passing());
        QCOMPARE(passing->service->id, std::string("web-it"));
        auto checks = client_->call(agentChecks());
        QVERIFY(ok(checks));
        QCOMPARE(checks->at("ttl:web-it").output, std::string("all good"));

        QVERIFY(ok(client_->call(warnCheck("ttl:web-it", "slow"))));
        auto warning = client_->call(agentHealthByName("web"));
        QVERIFY(ok(warning));
        QCOMPARE(warning->httpStatus, 429);
        QCOMPARE(warning->aggregatedStatus, std::string("warning"));
        QCOMPARE(warning->instances.size(), std::size_t(1));

        QVERIFY(ok(client_->call(passCheck("ttl:web-it"))));
        auto unknown = client_->call(agentHealthById("no-such-service"));
        QVERIFY(ok(unknown));
        QCOMPARE(unknown->httpStatus, 404);
        QVERIFY(!unknown->found());
    }

    void agentErrorsAreTyped() {
        auto dereg = client_->call(deregisterService("no-such-service"));
        QVERIFY(!dereg);
        QCOMPARE(dereg.error().code, Code::NotFound);
        QCOMPARE(meshx::consul::httpStatus(dereg.error()).value_or(0), 404);
        QVERIFY2(meshx::consul::httpBody(dereg.error()).starts_with("Unknown service ID"),
                 dereg.error().message.c_str());

        auto update = client_->call(updateCheck("ttl:nope", CheckStatus::Passing));
        QVERIFY(!update);
        QCOMPARE(update.error().code, Code::NotFound);

        auto badFilter = client_->call(agentServices("Kind =="));
        QVERIFY(!badFilter);
        QCOMPARE(badFilter.error().code, Code::HttpError);
        QCOMPARE(meshx::consul::httpStatus(badFilter.error()).value_or(0), 500);
        QVERIFY2(meshx::consul::httpBody(badFilter.error())
                     .starts_with("Failed to create boolean expression evaluator"),
                 badFilter.error().message.c_str());

        auto noName = client_->call(registerService({{"ID", "x"}}, false));
        QVERIFY(!noName);
        QCOMPARE(meshx::consul::httpStatus(noName.error()).value_or(0), 400);
        QCOMPARE(std::string(meshx::consul::httpBody(noName.error())),
                 std::string("Missing service name"));
    }

    void blockingQueryTimesOutWithUnchangedIndex() {
        auto first = client_->call(healthService("web"));
        QVERIFY(ok(first));
        QVERIFY(first->index > 0);
        const auto started = Clock::now();
        auto again =
            client_->call(healthService("web", {}, {first->index, {}, milliseconds(1500)}));
        const auto elapsed = msSince(started);
        QVERIFY(ok(again));
        QCOMPARE(again->index, first->index);
        // Held for the wait (plus at most wait/16 jitter), not answered at once.
        QVERIFY2(elapsed >= 1400 && elapsed < 8000, qPrintable(QString::number(elapsed)));
    }

    void blockingQueryWakesOnChange() {
        auto first = client_->call(healthService("web"));
        QVERIFY(ok(first));
        const auto started = Clock::now();
        meshx::Result<meshx::consul::Indexed<std::vector<meshx::consul::ServiceEntry>>> woken =
            meshx::Error{Code::Internal, "not run"};
        std::thread waiter([&] {
            woken = client_->call(
                healthService("web", {}, {first->index, {}, std::chrono::seconds(60)}));
        });
        // A status change moves the index whether the query parked before or after it.
        QVERIFY(ok(client_->call(failCheck("ttl:web-it", "down for the test"))));
        waiter.join();
        QVERIFY(ok(woken));
        QVERIFY2(woken->index > first->index, qPrintable(QString::number(woken->index)));
        QVERIFY2(msSince(started) < 20000, "the change did not wake the query");
        bool critical = false;
        for (const auto& c : woken->value.at(0).checks) {
            critical = critical || (c.checkId == "ttl:web-it" && c.status == "critical");
        }
        QVERIFY(critical);
    }

    void watcherFollowsHealthChanges() {
        // Passing-only view of "web": the watcher sees it appear and vanish as the TTL flips.
        HealthQuery passing;
        passing.passing = true;
        using Value = meshx::consul::Indexed<std::vector<meshx::consul::ServiceEntry>>;
        std::vector<std::size_t> sizes;
        std::vector<meshx::Error> errors;
        BlockingWatcher::Options options;
        options.wait = std::chrono::seconds(30);
        auto watcher = BlockingWatcher::typed<Value>(
            *client_, healthService("web", passing), options, this,
            [&](const Value& v, uint64_t) { sizes.push_back(v.value.size()); },
            [&](const meshx::Error& e, milliseconds) { errors.push_back(e); });
        watcher->start();
        QTRY_COMPARE_WITH_TIMEOUT(sizes.size(), std::size_t(1), 10000);
        QCOMPARE(sizes[0], std::size_t(0));  // critical from the previous test
        QVERIFY(ok(client_->call(passCheck("ttl:web-it"))));
        // The sidecar's alias check follows the parent; the listening check may stay critical,
        // but the parent's entry is what counts here.
        QTRY_VERIFY_WITH_TIMEOUT(sizes.size() >= 2 && sizes.back() == 1, 10000);
        QVERIFY(ok(client_->call(failCheck("ttl:web-it"))));
        QTRY_VERIFY_WITH_TIMEOUT(sizes.back() == 0, 10000);
        watcher.reset();
        QVERIFY(errors.empty());
    }

    void hashBlockingSeesUpstreamEdit() {
        auto proxy = client_->call(agentService("web-it-sidecar-proxy"));
        QVERIFY(ok(proxy));
        QVERIFY(!proxy->contentHash.empty());
        meshx::Result<meshx::consul::AgentService> changed =
            meshx::Error{Code::Internal, "not run"};
        std::thread waiter([&] {
            changed = client_->call(
                agentService("web-it-sidecar-proxy", proxy->contentHash, std::chrono::seconds(60)));
        });
        // MX's upstream edit: the read object minus output-only keys, plus a new upstream.
        json reg = proxy->toRegistration();
        reg["Proxy"]["Upstreams"].push_back(
            {{"DestinationName", "cache"}, {"LocalBindPort", 9192}});
        QVERIFY(ok(client_->call(registerService(reg, false))));
        waiter.join();
        QVERIFY(ok(changed));
        QVERIFY(changed->contentHash != proxy->contentHash);
        QCOMPARE(changed->proxy->upstreams.size(), std::size_t(2));
        QCOMPARE(changed->proxy->upstreams[1].destinationName, std::string("cache"));
    }

    void connectRootsLeafAndIntentions() {
        auto roots = client_->call(caRoots());
        QVERIFY(ok(roots));
        QVERIFY(!roots->value.trustDomain.empty());
        QVERIFY(roots->value.active());
        QVERIFY(roots->value.active()->rootCertPem.starts_with("-----BEGIN CERTIFICATE-----"));
        auto leaf = client_->call(caLeaf("web"));
        QVERIFY(ok(leaf));
        const std::string uri =
            "spiffe://" + roots->value.trustDomain + "/ns/default/dc/dc1/svc/web";
        QCOMPARE(leaf->value.serviceUri, uri);
        QVERIFY(leaf->value.privateKeyPem.find("PRIVATE KEY") != std::string::npos);

        auto allowed = client_->call(authorize("db", uri));
        QVERIFY(ok(allowed));
        QVERIFY(allowed->authorized);  // dev default: allow

        QVERIFY(ok(client_->call(upsertIntention("web", "db", {{"Action", "deny"}}))));
        auto exact = client_->call(intentionExact("web", "db"));
        QVERIFY(ok(exact));
        QCOMPARE(exact->action, std::string("deny"));
        QCOMPARE(exact->precedence, 9);
        auto denied = client_->call(authorize("db", uri));
        QVERIFY(ok(denied));
        QVERIFY(!denied->authorized);
        auto list = client_->call(intentions());
        QVERIFY(ok(list));
        QCOMPARE(list->value.size(), std::size_t(1));

        QVERIFY(ok(client_->call(deleteIntention("web", "db"))));
        auto gone = client_->call(intentionExact("web", "db"));
        QVERIFY(!gone);
        QCOMPARE(gone.error().code, Code::NotFound);
    }

    void deregisterRemovesServiceAndSidecar() {
        // web-it's proxy was re-registered directly above, which makes it a plain service
        // (reference §2.6): MX deregisters it explicitly first, then the parent.
        QVERIFY(ok(client_->call(deregisterService("web-it-sidecar-proxy"))));
        QVERIFY(ok(client_->call(deregisterService("web-it"))));
        // A sidecar that came with its parent's registration goes with the parent.
        json api = webRegistration();
        api["ID"] = "api-it";
        api["Name"] = "api";
        api["Checks"][0]["CheckID"] = "ttl:api-it";
        QVERIFY(ok(client_->call(registerService(api, true))));
        QVERIFY(ok(client_->call(deregisterService("api-it"))));
        auto all = client_->call(agentServices());
        QVERIFY(ok(all));
        QVERIFY(all->empty());
    }

    void aclTokenIsEnforcedAndNeverShown() {
        AgentProcess secured;
        const std::string token = "it-master-token-7f3a";
        QVERIFY2(secured.start({"-acl-master-token", QString::fromStdString(token)}),
                 qPrintable(secured.error()));
        auto anonymous = clientFor(secured.addressString());
        auto denied = anonymous->call(meshx::consul::endpoints::agentSelf());
        QVERIFY(!denied);
        QCOMPARE(denied.error().code, Code::PermissionDenied);
        QVERIFY2(meshx::consul::httpBody(denied.error()).starts_with("Permission denied"),
                 denied.error().message.c_str());
        // Listings are filtered by ACLs rather than refused, as Consul does.
        QVERIFY(ok(anonymous->call(agentServices())));
        auto write = anonymous->call(registerService({{"Name", "x"}}, false));
        QVERIFY(!write);
        QCOMPARE(write.error().code, Code::PermissionDenied);
        auto wrong = clientFor(secured.addressString(), "not-the-token");
        auto wrongResult = wrong->call(meshx::consul::endpoints::agentSelf());
        QVERIFY(!wrongResult);
        QCOMPARE(wrongResult.error().code, Code::PermissionDenied);
        QCOMPARE(std::string(meshx::consul::httpBody(wrongResult.error())),
                 std::string("ACL not found"));
        QVERIFY(wrongResult.error().message.find("not-the-token") == std::string::npos);
        auto admin = clientFor(secured.addressString(), token);
        QVERIFY(ok(admin->call(meshx::consul::endpoints::agentSelf())));
        QVERIFY(ok(admin->call(registerService({{"Name", "x"}}, false))));
        auto listed = admin->call(agentServices());
        QVERIFY(ok(listed));
        QVERIFY(listed->count("x"));
    }

    void unixSocketAgent() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath(QStringLiteral("agent.sock"));
        AgentProcess local;
        QVERIFY2(local.start({"-client", "unix://" + path}), qPrintable(local.error()));
        QCOMPARE(local.addressString(), "unix://" + path.toStdString());
        auto client = clientFor(local.addressString());
        QVERIFY(client);
        auto self = client->call(meshx::consul::endpoints::agentSelf());
        QVERIFY(ok(self));
        QCOMPARE(self->nodeName, std::string("test-node"));
    }
};

QTEST_GUILESS_MAIN(TestConsulAgent)
#include "test_consul_agent.moc"
