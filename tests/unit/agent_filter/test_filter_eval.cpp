// Evaluation of ?filter= expressions: every operator per field type, precedence, parentheses,
// missing keys, absent objects, "any item" lists, and the filters real clients send.

#include <atomic>
#include <thread>
#include <vector>

#include "filter_test_util.h"
#include "meshx_test.h"

using meshx::agent::FilterExpression;
using meshx::agent::FilterSchema;
using nlohmann::json;

namespace {

struct Case {
    const char* expression;
    bool expected;
};

// Runs every case against `element`; a failure names the expression.
void expectAll(const FilterSchema& schema, const json& element, std::initializer_list<Case> cases) {
    for (const Case& c : cases) {
        const auto outcome = filter_test::run(schema, c.expression, element);
        QVERIFY2(outcome.ok, qPrintable(QString::fromUtf8(c.expression) + QStringLiteral(" -> ") +
                                        QString::fromStdString(outcome.error)));
        QVERIFY2(outcome.matched == c.expected,
                 qPrintable(QString::fromUtf8(c.expression) +
                            (c.expected ? QStringLiteral(" should match")
                                        : QStringLiteral(" should not match"))));
    }
}

json webService() {
    return {{"ID", "web-1"},
            {"Service", "web"},
            {"Tags", {"v1", "primary"}},
            {"Meta", {{"env", "prod"}, {"team-a", "payments"}}},
            {"Port", 8080},
            {"Address", "10.0.0.5"},
            {"TaggedAddresses", {{"lan", {{"Address", "10.0.0.5"}, {"Port", 8080}}}}},
            {"Weights", {{"Passing", 1}, {"Warning", 1}}},
            {"EnableTagOverride", false},
            {"Datacenter", "dc1"}};
}

json healthEntry() {
    return {
        {"Node",
         {{"ID", "40e4a748-2192-161a-0510-9bf59fe950b5"},
          {"Node", "node1"},
          {"Address", "127.0.0.1"},
          {"Datacenter", "dc1"},
          {"TaggedAddresses", {{"lan", "127.0.0.1"}}},
          {"Meta", {{"zone", "a"}}}}},
        {"Service",
         {{"ID", "redis1"},
          {"Service", "redis"},
          {"Tags", {"primary", "v1"}},
          {"Port", 8000},
          {"Meta", {{"version", "4"}}},
          {"Weights", {{"Passing", 10}, {"Warning", 1}}},
          {"Proxy", {{"Mode", ""}, {"MeshGateway", json::object()}, {"Expose", json::object()}}},
          {"Connect", json::object()}}},
        {"Checks",
         {{{"Node", "node1"},
           {"CheckID", "serfHealth"},
           {"Status", "passing"},
           {"ServiceTags", json::array()}},
          {{"Node", "node1"},
           {"CheckID", "service:redis1"},
           {"Status", "critical"},
           {"ServiceID", "redis1"},
           {"ServiceTags", {"primary"}}}}}};
}

}  // namespace

class TestFilterEval : public QObject {
    Q_OBJECT

  private slots:
    void stringOperators() {
        expectAll(FilterSchema::agentService(), webService(),
                  {
                      {R"(Service == "web")", true},
                      {R"(Service == "WEB")", false},  // case-sensitive
                      {R"(Service != "web")", false},
                      {R"(Service != "db")", true},
                      {R"("we" in Service)", true},  // substring
                      {R"("x" in Service)", false},
                      {R"("we" not in Service)", false},
                      {R"("x" not in Service)", true},
                      {R"(Service contains "eb")", true},
                      {R"(Service contains "db")", false},
                      {R"(Service not contains "eb")", false},
                      {R"(Service not contains "db")", true},
                      {R"(Service matches "^w.b$")", true},
                      {R"(Service matches "e")", true},  // unanchored, as RE2's Match
                      {R"(Service matches "^d")", false},
                      {R"(Service not matches "^d")", true},
                      {R"(Service not matches "b$")", false},
                      {"Service == web", true},            // a selector-looking word is a value
                      {"Service == `web`", true},          // raw string
                      {R"(Meta.env == "pr\x6fd")", true},  // Go escapes in "..."
                      {R"(Service=="web")", true},         // no spaces needed around ==
                  });
    }

    void numberAndBoolOperators() {
        expectAll(FilterSchema::agentService(), webService(),
                  {
                      {"Port == 8080", true},
                      {"Port == 8081", false},
                      {"Port != 8080", false},
                      {"Port != -1", true},
                      {R"(Port == "8080")", true},    // the literal is coerced to the type
                      {R"(Port == "0x1f90")", true},  // strconv.ParseInt base 0
                      {R"(Port == "1_0")", false},
                      {"Weights.Passing == 1", true},
                      {"TaggedAddresses.lan.Port == 8080", true},
                      {"EnableTagOverride == false", true},
                      {"EnableTagOverride == true", false},
                      {"EnableTagOverride != true", true},
                      {R"(EnableTagOverride == "F")", true},  // strconv.ParseBool spellings
                      {"EnableTagOverride == 0", true},
                  });
    }

    void stringListOperators() {
        expectAll(FilterSchema::agentService(), webService(),
                  {
                      {R"("v1" in Tags)", true},
                      {R"("v2" in Tags)", false},
                      {R"("prim" in Tags)", false},  // membership, not substring
                      {R"("v2" not in Tags)", true},
                      {R"("v1" not in Tags)", false},
                      {R"(Tags contains "primary")", true},
                      {R"(Tags not contains "v1")", false},
                      {"Tags is empty", false},
                      {"Tags is not empty", true},
                      {"v1 in Tags", true},
                  });
        expectAll(FilterSchema::agentService(), json{{"Tags", json::array()}},
                  {{"Tags is empty", true}, {"Tags is not empty", false}});
        // null and absent lists are empty (Go's nil slice)
        expectAll(FilterSchema::agentService(), json{{"Tags", nullptr}}, {{"Tags is empty", true}});
        expectAll(FilterSchema::agentService(), json::object(),
                  {{"Tags is empty", true}, {R"("x" in Tags)", false}});
    }

    void mapOperators() {
        expectAll(FilterSchema::agentService(), webService(),
                  {
                      {R"("env" in Meta)", true},  // key present
                      {R"("prod" in Meta)", false},
                      {R"("zone" not in Meta)", true},
                      {R"(Meta contains "team-a")", true},
                      {R"(Meta not contains "env")", false},
                      {"Meta is empty", false},
                      {"Meta is not empty", true},
                      {R"(Meta.env == "prod")", true},
                      {R"(Meta["team-a"] == "payments")", true},
                      {R"(Meta[ "team-a" ] contains "pay")", true},
                      {R"(Meta["env"] matches "^pr")", true},
                      {R"(TaggedAddresses.lan.Address == "10.0.0.5")", true},
                  });
        expectAll(FilterSchema::agentService(), json{{"Meta", json::object()}},
                  {{"Meta is empty", true}, {"Meta is not empty", false}});
    }

    // go-bexpr's NotPresentDisposition for a key the map lacks.
    void missingMapKeyIsNotPresent() {
        expectAll(FilterSchema::agentService(), webService(),
                  {
                      {R"(Meta.zone == "x")", false},
                      {R"(Meta.zone != "x")", true},
                      {R"(Meta.zone == "")", false},  // missing is not the empty string
                      {R"("a" in Meta.zone)", false},
                      {R"("a" not in Meta.zone)", true},
                      {R"(Meta.zone matches ".*")", false},
                      {R"(Meta.zone not matches ".*")", true},
                      {"TaggedAddresses.wan.Port == 80", false},
                      {"TaggedAddresses.wan.Port != 80", true},
                  });
    }

    // An absent object (a typical service has no Proxy) counts as not present; an absent
    // scalar is its Go zero value, as Consul omits zero values from JSON.
    void absentObjectsAndZeroValues() {
        expectAll(FilterSchema::agentService(), webService(),
                  {
                      {R"(Proxy.DestinationServiceName == "web")", false},
                      {R"(Proxy.DestinationServiceName != "web")", true},
                      {"Proxy.Upstreams is empty", true},
                      {"Proxy.Upstreams is not empty", false},
                      {R"(Proxy.Upstreams.DestinationName == "db")", false},
                      {R"(Proxy.Upstreams.DestinationName != "db")", true},
                      {R"(Kind == "")", true},
                      {R"(Kind != "connect-proxy")", true},
                      {R"(SocketPath == "")", true},
                      {"Connect.Native == true", false},
                  });
        expectAll(FilterSchema::agentService(), json{{"Proxy", nullptr}, {"Port", nullptr}},
                  {{R"(Proxy.Mode == "")", false}, {"Port == 0", true}});
    }

    void listOfObjectsMatchesAnyItem() {
        const json entry = healthEntry();
        expectAll(FilterSchema::healthServiceEntry(), entry,
                  {
                      {R"(Checks.Status == "critical")", true},
                      {R"(Checks.Status == "passing")", true},
                      {R"(Checks.Status == "warning")", false},
                      {R"(Checks.Status != "passing")", true},  // one check is not passing
                      {R"(Checks.Status != "warning")", true},
                      {R"(Checks.CheckID matches "^serf")", true},
                      {R"(Checks.ServiceTags contains "primary")", true},
                      {R"(Checks.ServiceTags contains "v1")", false},
                      {"Checks is empty", false},
                      {"Checks is not empty", true},
                      {R"(Service.Tags contains "primary")", true},
                      {R"("v1" in Service.Tags)", true},
                      {R"(Service.Tags not contains "v2")", true},
                      {R"(Node.Meta.zone == "a")", true},
                      {R"(Node.TaggedAddresses.lan == "127.0.0.1")", true},
                      {"Service.Weights.Passing == 10", true},
                      {R"(Service.Proxy.Mode == "")", true},
                      {R"(Service.Tags contains "primary" and Checks.Status == "critical")", true},
                  });
        json passing = entry;
        passing["Checks"][1]["Status"] = "passing";
        expectAll(FilterSchema::healthServiceEntry(), passing,
                  {{R"(Checks.Status != "passing")", false}});
        // "any item" over no items is false whatever the operator
        json noChecks = entry;
        noChecks["Checks"] = json::array();
        expectAll(FilterSchema::healthServiceEntry(), noChecks,
                  {{R"(Checks.Status != "passing")", false},
                   {R"(Checks.Status == "passing")", false},
                   {"Checks is empty", true}});
    }

    void precedenceAndParentheses() {
        expectAll(FilterSchema::agentService(), webService(),
                  {
                      // and binds tighter than or: web or (db and 1)
                      {R"(Service == "web" or Service == "db" and Port == 1)", true},
                      {R"((Service == "web" or Service == "db") and Port == 1)", false},
                      {R"(Port == 1 and Service == "db" or Service == "web")", true},
                      // not binds tighter than and / or
                      {R"(not Service == "web" and Port == 1)", false},
                      {R"(not (Service == "web" and Port == 1))", true},
                      {R"(not Service == "web" or Port == 8080)", true},
                      {R"(not (Service == "web" or Port == 8080))", false},
                      {R"(not not Service == "web")", true},
                      {R"(((Service == "web")))", true},
                      {R"( ( Service == "web" ) )", true},
                      {R"(Service == "a" or Service == "b" or Service == "web")", true},
                      {R"(Service == "web" and Port == 8080 and "v1" in Tags)", true},
                      {R"(Service == "web" and Port == 8080 and "v9" in Tags)", false},
                      {"Service == \"web\"\nand\tPort == 8080", true},  // any whitespace
                  });
    }

    // `and` / `or` stop early: the right side never runs, so it cannot fail either.
    void shortCircuit() {
        const json odd = {{"Service", "web"}, {"Port", "not-a-number"}};
        expectAll(FilterSchema::agentService(), odd,
                  {{R"(Service == "web" or Port == 1)", true},
                   {R"(Service == "db" and Port == 1)", false}});
        const auto outcome = filter_test::run(FilterSchema::agentService(),
                                              R"(Service == "web" and Port == 1)", odd);
        QVERIFY(!outcome.ok);
        QVERIFY2(outcome.error.find("\"Port\"") != std::string::npos, outcome.error.c_str());
    }

    void emptyFilterMatchesEverything() {
        auto filter = FilterExpression::parse("", FilterSchema::agentService());
        QVERIFY(filter.ok());
        QVERIFY(filter->matchesEverything());
        QVERIFY(*filter->matches(json::object()));
        QVERIFY(*FilterExpression().matches(json{{"Service", "x"}}));
    }

    // MeshxConsul finds sidecars with exactly this filter on /v1/agent/services.
    void meshxConsulSidecarFilterOnFixture() {
        const json services = filter_test::loadFixture("agent-services.json");
        QVERIFY(services.is_object());
        auto filter =
            FilterExpression::parse(R"(Kind=="connect-proxy")", FilterSchema::agentService());
        QVERIFY2(filter.ok(), filter.ok() ? "" : filter.error().message.c_str());
        std::vector<std::string> kept;
        for (const auto& [id, service] : services.items()) {
            auto matched = filter->matches(service);
            QVERIFY(matched.ok());
            if (*matched) {
                kept.push_back(id);
            }
        }
        QCOMPARE(kept.size(), std::size_t{1});
        QCOMPARE(kept.front(), std::string("upstream-h11-sidecar-proxy"));

        const json& sidecar = services["upstream-h11-sidecar-proxy"];
        expectAll(
            FilterSchema::agentService(), sidecar,
            {
                {R"(Proxy.DestinationServiceName == "upstream-h11")", true},
                {R"(Kind == "connect-proxy" and Proxy.DestinationServiceID == "upstream-h11")",
                 true},
                {R"(Proxy.Upstreams.DestinationName == "service1")", true},
                {"Proxy.Upstreams.LocalBindPort == 65535", true},
                {"Proxy.Upstreams is not empty", true},
                {"Port == 21001", true},
            });
    }

    void otherSchemasOnFixtures() {
        const json checks = filter_test::loadFixture("agent-checks.json");
        expectAll(FilterSchema::healthCheck(), checks["service:redis"],
                  {{R"(Status == "passing" and Type == "tcp")", true},
                   {R"(ServiceTags contains "primary")", true},
                   {"ExposedPort == 0", true}});
        const json catalog = filter_test::loadFixture("catalog-service.json");
        expectAll(FilterSchema::catalogServiceNode(), catalog[0],
                  {{R"(ServiceMeta.environment == "production")", true},
                   {R"(NodeMeta.os == "linux" and "test" in ServiceTags)", true},
                   {R"(TaggedAddresses.lan == "x")", false},  // null map: the key is missing
                   {"ServicePort == 9090", true},
                   {R"(ServiceProxy.DestinationServiceName == "")", true}});
        const json health = filter_test::loadFixture("health-service.json");
        expectAll(FilterSchema::healthServiceEntry(), health[0],
                  {{R"(Service.Tags contains "primary")", true},
                   {R"(Checks.Status != "passing")", false},
                   {R"(Node.Meta.instance_type == "t2.medium")", true}});
        const json intention = filter_test::loadFixture("connect-intentions-exact.json");
        expectAll(FilterSchema::intention(), intention,
                  {{R"(SourceName == "web" and Action == "allow")", true},
                   {"Precedence == 9", true},
                   {"Permissions is empty", true}});
    }

    // FilterExpression is shared between the agent's request threads.
    void concurrentMatchesAgree() {
        auto filter = FilterExpression::parse(
            R"(Service matches "^w" and ("v1" in Tags or Meta.env == "x") and Port != 1)",
            FilterSchema::agentService());
        QVERIFY(filter.ok());
        const json service = webService();
        std::atomic<int> wrong{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t) {
            threads.emplace_back([&, copy = *filter] {
                for (int i = 0; i < 500; ++i) {
                    auto r = copy.matches(service);
                    if (!r.ok() || !*r) {
                        ++wrong;
                    }
                }
            });
        }
        for (auto& th : threads) {
            th.join();
        }
        QCOMPARE(wrong.load(), 0);
    }
};

QTEST_APPLESS_MAIN(TestFilterEval)
#include "test_filter_eval.moc"
