#include <QTest>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "common/mesh_config.h"
#include "mesh/proxy_kind_registry.h"
#include "mesh/service_template.h"

using namespace meshx;
using namespace meshx::mesh;

// Proxy kinds by name: the built-ins, a kind registered by code, a config's kinds, and the
// templates `start` gets from them.
class TestProxyKinds : public QObject {
    Q_OBJECT

  private slots:
    void builtInsAreRegisteredInOrder() {
        const auto names = ProxyKindRegistry::global().names();
        QVERIFY(names.size() >= 3);
        QCOMPARE(names[0], std::string("meshx-proxy"));
        QCOMPARE(names[1], std::string("consul-connect-proxy"));
        QCOMPARE(names[2], std::string("consul-connect-envoy"));
        auto own = ProxyKindRegistry::global().command("meshx-proxy", "/opt/bin/meshx-proxy");
        QVERIFY(own.ok());
        QCOMPARE(*own,
                 (std::vector<std::string>{"/opt/bin/meshx-proxy", "-sidecar-for", "{{id}}"}));
        auto envoy = ProxyKindRegistry::global().command("consul-connect-envoy", "unused");
        QVERIFY(envoy.ok());
        QCOMPARE(envoy->at(2), std::string("envoy"));
    }

    void unknownKindNamesTheKnownOnes() {
        auto r = ProxyKindRegistry::global().command("haproxy", "meshx-proxy");
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, Code::InvalidArgument);
        QVERIFY(r.error().message.find("haproxy") != std::string::npos);
        QVERIFY(r.error().message.find("consul-connect-envoy") != std::string::npos);
    }

    void codeRegisteredKindIsListedAndUsable() {
        ProxyKindRegistry::global().add({"test-socat", {"socat", "{{id}}"}, "a test kind"});
        const auto names = namedProxyCommands();
        QVERIFY(std::find(names.begin(), names.end(), "test-socat") != names.end());
        MeshConfig config;
        auto t = namedServiceTemplate(config, "test-socat");
        QVERIFY2(t.ok(), t.ok() ? "" : t.error().toString().c_str());
        QCOMPARE(*t->proxy, (std::vector<std::string>{"socat", "{{id}}"}));
    }

    void configKindsBecomeTemplatesAndTheDefault() {
        MeshConfig config;
        config.proxyKinds["my-envoy"] = {"/usr/bin/envoy-wrapper", "--id", "{{id}}"};
        config.proxyTemplate = "my-envoy";
        const auto names = namedProxyCommands(config);
        QVERIFY(std::find(names.begin(), names.end(), "my-envoy") != names.end());
        // Only this config sees it.
        QVERIFY(!ProxyKindRegistry::global().byName("my-envoy"));
        const ServiceTemplate def = defaultServiceTemplate(config);
        QVERIFY(def.proxy);
        QCOMPARE(def.proxy->front(), std::string("/usr/bin/envoy-wrapper"));
        auto named = namedServiceTemplate(config, "my-envoy");
        QVERIFY(named.ok());
        QCOMPARE(named->proxy->back(), std::string("{{id}}"));
    }

    void configKindMayNotShadowABuiltIn() {
        MeshConfig config;
        config.proxyKinds["meshx-proxy"] = {"evil"};
        auto kinds = ProxyKindRegistry::global().withConfig(config);
        QVERIFY(!kinds.ok());
        QCOMPARE(kinds.error().code, Code::InvalidArgument);
        MeshConfig empty;
        empty.proxyKinds["nothing"] = {};
        QVERIFY(!ProxyKindRegistry::global().withConfig(empty).ok());
    }

    void configFileReadsProxyKinds() {
        MeshConfig config;
        auto st =
            config.applyJson(nlohmann::json::parse(R"({"proxy_kinds": {"k": ["run", "{{id}}"]}})"));
        QVERIFY2(st.ok(), st.ok() ? "" : st.error().toString().c_str());
        QCOMPARE(config.proxyKinds.at("k"), (std::vector<std::string>{"run", "{{id}}"}));
        MeshConfig bad;
        QVERIFY(!bad.applyJson(nlohmann::json::parse(R"({"proxy_kinds": {"k": "run"}})")).ok());
    }
};

QTEST_GUILESS_MAIN(TestProxyKinds)
#include "test_proxy_kinds.moc"
