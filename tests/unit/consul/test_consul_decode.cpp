// The typed wrappers decode the reference fixtures (real Consul response shapes), reading the
// fields the engine, proxy and console use.

#include "meshx_test.h"

#include <QFile>

#include <nlohmann/json.hpp>

#include "consul/agent_endpoints.h"
#include "consul/catalog_endpoints.h"
#include "consul/connect_endpoints.h"
#include "consul/decode.h"
#include "consul/kv_endpoints.h"

using meshx::Code;
using meshx::consul::Response;
using namespace meshx::consul::endpoints;
using nlohmann::json;

namespace {

Response fixture(const char* name, int status = 200, uint64_t index = 0) {
    QFile f(QStringLiteral(MESHX_TEST_DATA_DIR "/consul/") + name);
    Response r;
    if (!f.open(QIODevice::ReadOnly)) {
        qWarning() << "missing fixture" << name;
        return r;
    }
    r.status = status;
    r.body = f.readAll().toStdString();
    if (index > 0) {
        r.index = index;
        r.hasIndex = true;
        r.headers.emplace_back("x-consul-index", std::to_string(index));
    }
    return r;
}

// Logs why a decode failed, so QVERIFY(decodedOk(x)) explains itself.
template <typename T>
bool decodedOk(const meshx::Result<T>& r) {
    if (!r) {
        qWarning() << r.error().toString().c_str();
    }
    return r.ok();
}

}  // namespace

class TestConsulDecode : public QObject {
    Q_OBJECT

  private slots:
    void agentSelfFixture() {
        auto self = agentSelf().decode(fixture("agent-self.json"));
        QVERIFY(decodedOk(self));
        QCOMPARE(self->datacenter, std::string("dc1"));
        QCOMPARE(self->nodeName, std::string("foobar"));
        QCOMPARE(self->nodeId, std::string("9d754d17-d864-b1d3-e758-f3fe25a9874f"));
        QCOMPARE(self->raw["Member"]["Port"].get<int>(), 8301);
    }

    void agentServicesFixture() {
        auto services = agentServices().decode(fixture("agent-services.json"));
        QVERIFY(decodedOk(services));
        QCOMPARE(services->size(), std::size_t(2));
        const auto& parent = services->at("upstream-h11");
        QCOMPARE(parent.service, std::string("upstream-h11"));
        QVERIFY(parent.kind.empty());
        QVERIFY(!parent.proxy);
        QCOMPARE(parent.weightPassing, 1);
        const auto& sidecar = services->at("upstream-h11-sidecar-proxy");
        QCOMPARE(sidecar.kind, std::string("connect-proxy"));
        QCOMPARE(sidecar.port, 21001);
        QCOMPARE(sidecar.datacenter, std::string("my-dc"));
        QVERIFY(sidecar.proxy);
        QCOMPARE(sidecar.proxy->destinationServiceName, std::string("upstream-h11"));
        QCOMPARE(sidecar.proxy->destinationServiceId, std::string("upstream-h11"));
        QCOMPARE(sidecar.proxy->localServiceAddress, std::string("127.0.0.1"));
        QCOMPARE(sidecar.proxy->localServicePort, 1024);
        QCOMPARE(sidecar.proxy->upstreams.size(), std::size_t(1));
        const auto& up = sidecar.proxy->upstreams[0];
        QCOMPARE(up.destinationType, std::string("service"));
        QCOMPARE(up.destinationName, std::string("service1"));
        QCOMPARE(up.localBindAddress, std::string("127.0.0.1"));
        QCOMPARE(up.localBindPort, 65535);
    }

    void agentServiceSidecarFixtureAndReRegistration() {
        auto r = fixture("agent-service-sidecar.json");
        auto s = agentService("web-sidecar-proxy").decode(r);
        QVERIFY(decodedOk(s));
        QCOMPARE(s->id, std::string("web-sidecar-proxy"));
        QCOMPARE(s->contentHash, std::string("4ecd29c7bc647ca8"));
        QCOMPARE(s->port, 18080);
        QCOMPARE(s->proxy->config["foo"].get<std::string>(), std::string("bar"));
        QCOMPARE(s->proxy->upstreams.at(0).destinationName, std::string("db"));
        QCOMPARE(s->proxy->upstreams.at(0).localBindPort, 9191);

        // MX's upstream edit: read, drop output-only keys, set Name, register again.
        json reg = s->toRegistration();
        for (const char* key : {"ContentHash", "Datacenter", "Service"}) {
            QVERIFY2(!reg.contains(key), key);
        }
        QCOMPARE(reg["Name"].get<std::string>(), std::string("web-sidecar-proxy"));
        QCOMPARE(reg["ID"].get<std::string>(), std::string("web-sidecar-proxy"));
        QCOMPARE(reg["Proxy"]["Upstreams"], json::parse(r.body)["Proxy"]["Upstreams"]);
    }

    void agentServiceTakesHashFromHeaderWhenBodyHasNone() {
        Response r;
        r.status = 200;
        r.body = R"({"ID":"web","Service":"web"})";
        r.headers.emplace_back("x-consul-contenthash", "feedface");
        auto s = agentService("web").decode(r);
        QVERIFY(decodedOk(s));
        QCOMPARE(s->contentHash, std::string("feedface"));
    }

    void agentHealthByIdFixture() {
        auto h = agentHealthById("web2").decode(fixture("agent-health-service-id.json", 503));
        QVERIFY(decodedOk(h));
        QCOMPARE(h->httpStatus, 503);
        QCOMPARE(h->aggregatedStatus, std::string("critical"));
        QVERIFY(!h->passing());
        QCOMPARE(h->service->id, std::string("web2"));
        QCOMPARE(h->service->tags, (std::vector<std::string>{"rails"}));
        QCOMPARE(h->checks.size(), std::size_t(1));
        QCOMPARE(h->checks[0].checkId, std::string("service:web2"));
        QCOMPARE(h->checks[0].status, std::string("critical"));
        QVERIFY(h->checks[0].output.find("connection refused") != std::string::npos);
    }

    void agentChecksFixture() {
        auto checks = agentChecks().decode(fixture("agent-checks.json"));
        QVERIFY(decodedOk(checks));
        const auto& c = checks->at("service:redis");
        QCOMPARE(c.status, std::string("passing"));
        QCOMPARE(c.serviceId, std::string("redis"));
        QCOMPARE(c.type, std::string("tcp"));
        QCOMPARE(c.serviceTags, (std::vector<std::string>{"primary"}));
    }

    void catalogServiceFixture() {
        auto nodes =
            catalogService("api-internal").decode(fixture("catalog-service.json", 200, 29));
        QVERIFY(decodedOk(nodes));
        QCOMPARE(nodes->index, uint64_t(29));
        QCOMPARE(nodes->value.size(), std::size_t(1));
        const auto& n = nodes->value[0];
        QCOMPARE(n.node, std::string("node-2"));
        QCOMPARE(n.address, std::string("198.18.0.2"));
        QCOMPARE(n.serviceId, std::string("api-internal"));
        QCOMPARE(n.servicePort, 9090);
        QCOMPARE(n.serviceMeta.at("environment"), std::string("production"));
        QCOMPARE(n.nodeMeta.at("os"), std::string("linux"));
    }

    void healthServiceFixture() {
        auto entries = healthService("redis").decode(fixture("health-service.json", 200, 9));
        QVERIFY(decodedOk(entries));
        QCOMPARE(entries->index, uint64_t(9));
        QCOMPARE(entries->value.size(), std::size_t(1));
        const auto& e = entries->value[0];
        QCOMPARE(e.node.node, std::string("foobar"));
        QCOMPARE(e.node.address, std::string("10.1.10.12"));
        QCOMPARE(e.node.taggedAddresses.at("wan"), std::string("10.1.10.12"));
        QCOMPARE(e.service.id, std::string("redis"));
        QCOMPARE(e.service.port, 8000);
        QCOMPARE(e.service.weightPassing, 10);
        QCOMPARE(e.dialAddress(), std::string("10.1.10.12"));
        QCOMPARE(e.checks.size(), std::size_t(2));
        QCOMPARE(e.checks[1].checkId, std::string("serfHealth"));
        QCOMPARE(e.checks[1].serviceTags.size(), std::size_t(0));
    }

    void caRootsFixture() {
        auto roots = caRoots().decode(fixture("agent-connect-ca-roots.json", 200, 8));
        QVERIFY(decodedOk(roots));
        QCOMPARE(roots->index, uint64_t(8));
        QCOMPARE(roots->value.trustDomain,
                 std::string("124df5a0-9820-76c3-9aa9-6f62164ba1c2.consul"));
        const auto* active = roots->value.active();
        QVERIFY(active);
        QCOMPARE(active->id, roots->value.activeRootId);
        QCOMPARE(active->serialNumber, uint64_t(7));
        QVERIFY(active->rootCertPem.starts_with("-----BEGIN CERTIFICATE-----\n"));
        QVERIFY(active->intermediateCertsPem.empty());  // null in the fixture
        QCOMPARE(active->privateKeyType, std::string("ec"));
        QCOMPARE(active->privateKeyBits, 256);
    }

    void leafFixture() {
        auto leaf = caLeaf("web").decode(fixture("agent-connect-ca-leaf.json", 200, 5));
        QVERIFY(decodedOk(leaf));
        QCOMPARE(leaf->index, uint64_t(5));
        QCOMPARE(leaf->value.serialNumber, std::string("08"));
        QCOMPARE(leaf->value.service, std::string("web"));
        QCOMPARE(
            leaf->value.serviceUri,
            std::string(
                "spiffe://11111111-2222-3333-4444-555555555555.consul/ns/default/dc/dc1/svc/web"));
        QVERIFY(leaf->value.certPem.starts_with("-----BEGIN CERTIFICATE-----"));
        QVERIFY(leaf->value.privateKeyPem.starts_with("-----BEGIN EC PRIVATE KEY-----"));
        QCOMPARE(leaf->value.modifyIndex, uint64_t(5));
    }

    void authorizeFixture() {
        auto a = authorize("db", "spiffe://x/ns/default/dc/dc1/svc/web")
                     .decode(fixture("agent-connect-authorize.json"));
        QVERIFY(decodedOk(a));
        QVERIFY(a->authorized);
        QVERIFY(a->reason.find("web => db") != std::string::npos);
    }

    void intentionFixtures() {
        auto exact = intentionExact("web", "db").decode(fixture("connect-intentions-exact.json"));
        QVERIFY(decodedOk(exact));
        QCOMPARE(exact->sourceName, std::string("web"));
        QCOMPARE(exact->destinationName, std::string("db"));
        QCOMPARE(exact->action, std::string("allow"));
        QCOMPARE(exact->precedence, 9);
        QVERIFY(exact->id.empty());
        auto match = intentionMatch(MatchBy::Destination, "db")
                         .decode(fixture("connect-intentions-match.json", 200, 12));
        QVERIFY(decodedOk(match));
        QCOMPARE(match->index, uint64_t(12));
        const auto& list = match->value.at("db");
        QCOMPARE(list.size(), std::size_t(2));
        QCOMPARE(list[0].sourceName, std::string("billing"));
        QCOMPARE(list[0].action, std::string("deny"));
        QCOMPARE(list[1].id, std::string("e9ebc19f-d481-42b1-4871-4d298d3acd5c"));
    }

    void wrongTypesAreProtocolErrorsNamingTheKey() {
        Response r;
        r.status = 200;
        r.body = R"({"web":{"ID":"web","Service":"web","Port":"8080"}})";
        auto s = agentServices().decode(r);
        QVERIFY(!s);
        QCOMPARE(s.error().code, Code::ProtocolError);
        QVERIFY2(s.error().message.find("'Port'") != std::string::npos, s.error().message.c_str());
        QVERIFY(s.error().message.find("8080") == std::string::npos);  // never the value
        r.body = "[]";
        QCOMPARE(agentSelf().decode(r).error().code, Code::ProtocolError);
    }

    void nullsAndMissingKeysReadAsEmpty() {
        Response r;
        r.status = 200;
        r.body =
            R"([{"Node":{"Node":"n"},"Service":{"ID":"a","Tags":null,"Meta":null},"Checks":null}])";
        auto entries = healthConnect("a").decode(r);
        QVERIFY(entries.ok());
        QVERIFY(entries->value[0].service.tags.empty());
        QVERIFY(entries->value[0].checks.empty());
        QCOMPARE(entries->value[0].dialAddress(), std::string());
    }
};

QTEST_GUILESS_MAIN(TestConsulDecode)
#include "test_consul_decode.moc"
