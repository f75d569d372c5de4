// Response shapes of the real meshx-agent against the fixtures in
// tests/data/consul: same field names and JSON types, recursively.

#include <QFile>

#include "agent_client.h"
#include "agent_http.h"
#include "agent_process.h"
#include "meshx_test.h"
#include "shape_compare.h"

using nlohmann::json;
using namespace meshx::consul;

namespace {

json fixture(const char* name) {
    QFile f(QStringLiteral(MESHX_TEST_DATA_DIR "/consul/") + name);
    if (!f.open(QIODevice::ReadOnly)) {
        return json();
    }
    return json::parse(f.readAll().toStdString());
}

QString explain(const std::vector<std::string>& problems, const json& ours) {
    QString s;
    for (const auto& p : problems) {
        s += QString::fromStdString(p) + "\n";
    }
    return s + QString::fromStdString(ours.dump(2));
}

}  // namespace

class TestAgentConformance : public QObject {
    Q_OBJECT

    AgentProcess agent_;
    std::unique_ptr<ConsulClient> client_;

    void expectShape(const char* fixtureName, const json& ours, const ShapeRules& rules = {}) {
        const json expected = fixture(fixtureName);
        QVERIFY2(!expected.is_null(), fixtureName);
        std::vector<std::string> problems;
        compareShape(expected, ours, "$", "", rules, problems);
        QVERIFY2(problems.empty(),
                 qPrintable(QString(fixtureName) + ":\n" + explain(problems, ours)));
    }

    void registerService(const json& def) {
        const Reply r = putJson(*client_, "/agent/service/register", def);
        QVERIFY2(r.status == 200, r.body.c_str());
    }

  private slots:
    void initTestCase() {
        QVERIFY2(agent_.start(), qPrintable(agent_.output() + agent_.errors()));
        client_ = agentClient(agent_);
        QVERIFY(client_ != nullptr);
    }

    void cleanupTestCase() {
        client_.reset();
        agent_.stop();
    }

    void agentSelf() {
        const Reply r = get(*client_, "/agent/self");
        QCOMPARE(r.status, 200);
        ShapeRules rules;
        rules.allowedExtra = {"$.Config.PrimaryDatacenter", "$.Config.BuildDate", "$.Coord.Height",
                              "$.Stats"};
        expectShape("agent-self.json", r.json, rules);
    }

    void agentServicesWithSidecar() {
        // The MeshxConsul case: a parent and its sidecar holding one upstream.
        registerService(json{{"ID", "upstream-h11"},
                             {"Name", "upstream-h11"},
                             {"Connect",
                              {{"SidecarService",
                                {{"Proxy",
                                  {{"LocalServiceAddress", "127.0.0.1"},
                                   {"LocalServicePort", 1024},
                                   {"Upstreams",
                                    {{{"DestinationName", "service1"},
                                      {"LocalBindAddress", "127.0.0.1"},
                                      {"LocalBindPort", 65535}}}}}}}}}}});
        const Reply r = get(*client_, "/agent/services");
        QCOMPARE(r.status, 200);
        QVERIFY(r.json.contains("upstream-h11") && r.json.contains("upstream-h11-sidecar-proxy"));
        json subset{{"upstream-h11", r.json["upstream-h11"]},
                    {"upstream-h11-sidecar-proxy", r.json["upstream-h11-sidecar-proxy"]}};
        expectShape("agent-services.json", subset);
        // Go sorts map keys: the body lists services by ID.
        const size_t a = r.body.find("\"upstream-h11\"");
        const size_t b = r.body.find("\"upstream-h11-sidecar-proxy\"");
        QVERIFY(a != std::string::npos && b != std::string::npos && a < b);
    }

    void agentServiceSidecar() {
        registerService(json{
            {"Name", "web"},
            {"Port", 8080},
            {"Connect",
             {{"SidecarService",
               {{"Port", 18080},
                {"Proxy",
                 {{"Config", {{"foo", "bar"}}},
                  {"Upstreams", {{{"DestinationName", "db"}, {"LocalBindPort", 9191}}}}}}}}}}});
        const Reply r = get(*client_, "/agent/service/web-sidecar-proxy");
        QCOMPARE(r.status, 200);
        expectShape("agent-service-sidecar.json", r.json);
        QCOMPARE(r.json["Proxy"]["Upstreams"][0]["DestinationType"], json("service"));
    }

    void agentHealthServiceId() {
        registerService(json{{"ID", "web2"},
                             {"Name", "web"},
                             {"Tags", {"rails"}},
                             {"Port", 80},
                             {"Check", {{"TTL", "5m"}}}});
        const Reply r = get(*client_, "/agent/health/service/id/web2");
        QCOMPARE(r.status, 503);
        expectShape("agent-health-service-id.json", r.json);
    }

    void agentChecks() {
        registerService(
            json{{"ID", "redis"},
                 {"Name", "redis"},
                 {"Tags", {"primary"}},
                 {"Port", 8000},
                 {"TaggedAddresses",
                  {{"lan", {{"Address", "127.0.0.1"}, {"Port", 8000}}},
                   {"wan", {{"Address", "198.18.1.2"}, {"Port", 80}}}}},
                 {"Check", {{"TCP", "127.0.0.1:1"}, {"Interval", "10s"}, {"Timeout", "1s"}}}});
        const Reply r = get(*client_, "/agent/checks");
        QCOMPARE(r.status, 200);
        QVERIFY(r.json.contains("service:redis"));
        expectShape("agent-checks.json", json{{"service:redis", r.json["service:redis"]}});
        QCOMPARE(r.json["service:redis"]["Interval"], json("10s"));
        QCOMPARE(r.json["service:redis"]["Type"], json("tcp"));
    }

    void catalogService() {
        registerService(json{{"Name", "api-internal"},
                             {"Tags", {"test", "tag"}},
                             {"Port", 9090},
                             {"Meta", {{"environment", "production"}}}});
        const Reply r = get(*client_, "/catalog/service/api-internal");
        QCOMPARE(r.status, 200);
        QVERIFY(r.hasIndex && r.index > 0);
        expectShape("catalog-service.json", r.json);
    }

    void healthService() {
        const Reply r = get(*client_, "/health/service/redis");
        QCOMPARE(r.status, 200);
        // The docs sample is trimmed; these are the fields the README lists as real extras.
        ShapeRules rules;
        rules.allowedExtra = {
            "$[].Node.CreateIndex",    "$[].Node.ModifyIndex",     "$[].Service.EnableTagOverride",
            "$[].Service.Proxy",       "$[].Service.Connect",      "$[].Service.PeerName",
            "$[].Service.CreateIndex", "$[].Service.ModifyIndex",  "$[].Checks[].Type",
            "$[].Checks[].Definition", "$[].Checks[].CreateIndex", "$[].Checks[].ModifyIndex",
            "$[].Checks[].Interval",   "$[].Checks[].Timeout",     "$[].Checks[].ExposedPort"};
        expectShape("health-service.json", r.json, rules);
        QCOMPARE(r.json[0]["Service"]["Proxy"],
                 (json{{"Mode", ""}, {"MeshGateway", json::object()}, {"Expose", json::object()}}));
        QCOMPARE(r.json[0]["Service"]["Connect"], json::object());
    }

    void caRootsAndLeaf() {
        const Reply roots = get(*client_, "/agent/connect/ca/roots");
        QCOMPARE(roots.status, 200);
        expectShape("agent-connect-ca-roots.json", roots.json);
        const Reply leaf = get(*client_, "/agent/connect/ca/leaf/web");
        QCOMPARE(leaf.status, 200);
        expectShape("agent-connect-ca-leaf.json", leaf.json);
    }

    void authorize() {
        auto r = Request::post("/agent/connect/authorize");
        r.json(json{
            {"Target", "db"},
            {"ClientCertURI",
             "spiffe://11111111-2222-3333-4444-555555555555.consul/ns/default/dc/dc1/svc/web"}});
        const Reply reply = send(*client_, r);
        QCOMPARE(reply.status, 200);
        expectShape("agent-connect-authorize.json", reply.json);
    }

    void intentionsMatchAndExact() {
        // Legacy (ID-addressed) intentions, as the api-double fixture shows them.
        for (const auto& [src, action] :
             {std::pair{"billing", "deny"}, std::pair{"web", "allow"}}) {
            auto post = Request::post("/connect/intentions");
            post.json(json{{"SourceName", src}, {"DestinationName", "db"}, {"Action", action}});
            const Reply created = send(*client_, post);
            QCOMPARE(created.status, 200);
            QVERIFY(!created.json["ID"].get<std::string>().empty());
        }
        const Reply match = get(*client_, "/connect/intentions/match?by=destination&name=db");
        QCOMPARE(match.status, 200);
        ShapeRules rules;
        rules.allowedExtra = {"$.db[].Precedence"};  // modern agents add it
        expectShape("connect-intentions-match.json", match.json, rules);
        // A name-addressed one has no ID or timestamps.
        auto put = Request::put("/connect/intentions/exact");
        put.param("source", "web2");
        put.param("destination", "db2");
        put.json(json{{"Action", "allow"}, {"SourceType", "consul"}, {"Description", ""}});
        const Reply upserted = send(*client_, put);
        QCOMPARE(upserted.status, 200);
        QCOMPARE(upserted.json, json(true));
        const Reply exact = get(*client_, "/connect/intentions/exact?source=web2&destination=db2");
        QCOMPARE(exact.status, 200);
        expectShape("connect-intentions-exact.json", exact.json);
    }
};

QTEST_GUILESS_MAIN(TestAgentConformance)
#include "test_agent_conformance.moc"
