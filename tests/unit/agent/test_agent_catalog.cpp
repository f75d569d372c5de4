// AgentState's cluster catalog (other nodes and datacenters written through
// /v1/catalog/register), node maintenance, the tagged addresses Consul adds to services, and the
// KV store's refusal to delete a subtree under a CAS.

#include "meshx_test.h"

#include "agent/agent_state.h"
#include "agent/definition_decoder.h"
#include "agent/index_keys.h"
#include "agent/kv_store.h"
#include "fake_clock.h"

using namespace meshx::agent;

namespace {

AgentState::Options options() {
    AgentState::Options o;
    o.node.id = "11111111-2222-3333-4444-555555555555";
    o.node.name = "node1";
    o.skipSidecarPortsInUse = false;
    return o;
}

CatalogRegistration reg(const char* json) {
    return decodeCatalogRegistration(IJson::parse(json));
}

std::vector<std::string> nodeNames(const std::vector<const NodeInfo*>& nodes) {
    std::vector<std::string> out;
    for (const NodeInfo* n : nodes) {
        out.push_back(n->name);
    }
    return out;
}

std::vector<std::string> entryNodes(const std::vector<AgentState::Instance>& entries) {
    std::vector<std::string> out;
    for (const auto& e : entries) {
        out.push_back(e.node->name + "/" + e.service->id);
    }
    return out;
}

std::string message(const meshx::Status& s) {
    return s.ok() ? std::string("ok") : s.error().message;
}

}  // namespace

class TestAgentCatalog : public QObject {
    Q_OBJECT

  private slots:
    void kvRecurseWithCasDeletesNothing() {
        IndexTable idx;
        KvStore kv(idx);
        QVERIFY(kv.put("app/a", "1", 0, std::nullopt));
        QVERIFY(kv.put("app/b", "2", 0, std::nullopt));
        const uint64_t index = kv.get("app/a")->modifyIndex;
        QVERIFY(!kv.remove("app/", true, index));
        QCOMPARE(kv.withPrefix("app/").size(), size_t{2});
        QVERIFY(kv.remove("app/", true, std::nullopt));
        QVERIFY(kv.withPrefix("app/").empty());
    }

    void decodesRegisterRequestLikeGo() {
        // python-consul2 sends lower-case keys; unknown keys are skipped as Go's decoder does.
        auto r = reg(R"({"node":"n2","address":"10.0.0.2","datacenter":"dc2","Whatever":1,)"
                     R"("TaggedAddresses":{"wan":"1.2.3.4"},"NodeMeta":{"rack":"r1"},)"
                     R"("service":{"Service":"web","ID":"web-2","Port":80,"Tags":["a"],)"
                     R"("Address":"10.0.0.2","PeerName":""},)"
                     R"("check":{"CheckID":"c1","Name":"web alive","Status":"passing",)"
                     R"("ServiceID":"web-2","Output":"fine",)"
                     "\"Definition\":{\"HTTP\":\"http://10.0.0.2/\",\"Interval\":\"10s\","
                     R"("Unknown":true}}})");
        QCOMPARE(r.node, std::string("n2"));
        QCOMPARE(r.address, std::string("10.0.0.2"));
        QCOMPARE(r.datacenter, std::string("dc2"));
        QCOMPARE(r.taggedAddresses.at("wan"), std::string("1.2.3.4"));
        QCOMPARE(r.nodeMeta.at("rack"), std::string("r1"));
        QVERIFY(r.service.has_value());
        QCOMPARE(r.service->name, std::string("web"));
        QCOMPARE(r.service->id, std::string("web-2"));
        QCOMPARE(r.service->port, int64_t{80});
        QCOMPARE(r.checks.size(), size_t{1});
        QCOMPARE(r.checks[0].definition.checkId, std::string("c1"));
        QCOMPARE(r.checks[0].definition.serviceId, std::string("web-2"));
        QCOMPARE(r.checks[0].output, std::string("fine"));
        QCOMPARE(r.checks[0].definition.http, std::string("http://10.0.0.2/"));
        QCOMPARE(r.checks[0].definition.interval,
                 std::chrono::nanoseconds(std::chrono::seconds(10)));
        bool threw = false;
        try {
            reg(R"({"Node":"n2","Address":7})");
        } catch (const DecodeError& e) {
            threw = true;
            QVERIFY2(std::string(e.what()).find("RegisterRequest.Address") != std::string::npos,
                     e.what());
        }
        QVERIFY(threw);
        auto d = decodeCatalogDeregistration(
            IJson::parse(R"({"node":"n2","serviceid":"web-2","datacenter":"dc2"})"));
        QCOMPARE(d.node, std::string("n2"));
        QCOMPARE(d.serviceId, std::string("web-2"));
        QCOMPARE(d.datacenter, std::string("dc2"));
    }

    void threeNodesInTwoDatacenters() {
        IndexTable idx;
        FakeClock clock;
        AgentState state(options(), idx, clock);
        QCOMPARE(state.datacenters(), std::vector<std::string>{"dc1"});
        QVERIFY(!state.knowsDatacenter("dc2"));
        const uint64_t before = idx.get(index_keys::service("web"));

        QCOMPARE(message(state.registerCatalog(reg(R"({"Node":"node2","Address":"10.0.0.2",
            "Service":{"Service":"web","Port":80},
            "Checks":[{"CheckID":"web-alive","Name":"alive","Status":"passing","ServiceID":"web"},
                      {"Name":"disk","Status":"warning"}]})"))),
                 std::string("ok"));
        QCOMPARE(message(state.registerCatalog(reg(R"({"Node":"node3","Address":"10.1.0.3",
            "Datacenter":"dc2","Service":{"Service":"web","ID":"web-dc2","Port":81}})"))),
                 std::string("ok"));
        QVERIFY(idx.get(index_keys::service("web")) > before);

        // The agent's own datacenter first, then the others.
        QCOMPARE(state.datacenters(), (std::vector<std::string>{"dc1", "dc2"}));
        QVERIFY(state.knowsDatacenter("dc2"));
        QCOMPARE(nodeNames(state.catalogNodes("")), (std::vector<std::string>{"node1", "node2"}));
        QCOMPARE(nodeNames(state.catalogNodes("dc2")), std::vector<std::string>{"node3"});
        QCOMPARE(entryNodes(state.serviceEntries("", "web")),
                 std::vector<std::string>{"node2/web"});
        QCOMPARE(entryNodes(state.serviceEntries("dc2", "web")),
                 std::vector<std::string>{"node3/web-dc2"});
        QCOMPARE(entryNodes(state.serviceEntries("", "consul")),
                 std::vector<std::string>{"node1/consul"});
        QVERIFY(state.serviceEntries("dc2", "consul").empty());

        // Checks keep what was registered (nobody probes other nodes); IDs default to names.
        const auto checks = state.allNodeChecks("", "node2");
        QCOMPARE(checks.size(), size_t{2});
        QCOMPARE(checks[0]->checkId, std::string("disk"));
        QCOMPARE(checks[0]->status, std::string("warning"));
        QCOMPARE(checks[1]->checkId, std::string("web-alive"));
        QCOMPARE(checks[1]->serviceName, std::string("web"));
        QCOMPARE(checks[1]->status, std::string("passing"));
        QCOMPARE(state.nodeLevelChecks("", "node2").size(), size_t{1});
        QCOMPARE(state.instanceChecks("", "node2", "web").size(), size_t{1});
        // Agent-local views are untouched.
        QVERIFY(state.services().empty());
        QVERIFY(state.checks().empty());

        // Deregister a check, then a service (with its checks), then a node.
        const uint64_t beforeDereg = idx.current();
        QCOMPARE(message(state.deregisterCatalog({"", "node2", "", "disk"})), std::string("ok"));
        QCOMPARE(state.allNodeChecks("", "node2").size(), size_t{1});
        QCOMPARE(message(state.deregisterCatalog({"", "node2", "web", ""})), std::string("ok"));
        QVERIFY(state.serviceEntries("", "web").empty());
        QVERIFY(state.allNodeChecks("", "node2").empty());
        QCOMPARE(nodeNames(state.catalogNodes("")), (std::vector<std::string>{"node1", "node2"}));
        QCOMPARE(message(state.deregisterCatalog({"dc2", "node3", "", ""})), std::string("ok"));
        QVERIFY(state.catalogNodes("dc2").empty());
        QVERIFY(state.knowsDatacenter("dc2"));  // a named datacenter stays known
        QVERIFY(idx.current() > beforeDereg);
        // Unknown entries are no error, as in Consul.
        QCOMPARE(message(state.deregisterCatalog({"", "ghost", "", ""})), std::string("ok"));
    }

    void registrationErrorsCarryConsulTexts() {
        IndexTable idx;
        FakeClock clock;
        AgentState state(options(), idx, clock);
        auto expect = [&](const char* json, const char* text, meshx::Code code) {
            auto s = state.registerCatalog(reg(json));
            QVERIFY2(!s.ok(), json);
            QCOMPARE(s.error().message, std::string(text));
            QCOMPARE(s.error().code, code);
        };
        using meshx::Code;
        expect(R"({"Address":"10.0.0.2"})", "Must provide node", Code::Internal);
        expect(R"({"Node":"n2"})", "Must provide address if SkipNodeUpdate is not set",
               Code::Internal);
        expect(R"({"Node":"n2","Address":"a","ID":"xyz"})",
               "Bad node ID: uuid string is wrong length", Code::Internal);
        expect(R"({"Node":"n2","Address":"a","Service":{"ID":"w1"}})",
               "Must provide service name with ID", Code::Internal);
        expect(R"({"Node":"n2","Address":"a","Service":{"Service":"w","Address":"0.0.0.0"}})",
               "Invalid service address", Code::Internal);
        expect(R"({"Node":"n2","Address":"a","Check":{"Name":"c","ServiceID":"ghost"}})",
               "Missing service registration", Code::Internal);
        expect(R"({"Node":"n2","SkipNodeUpdate":true,"Service":{"Service":"w"}})",
               "Missing node registration", Code::Internal);
        // The agent's own node belongs to the agent endpoints.
        auto own = state.registerCatalog(reg(R"({"Node":"node1","Address":"127.0.0.1"})"));
        QCOMPARE(own.error().code, Code::InvalidArgument);
        QVERIFY(state.deregisterCatalog({"", "node1", "", ""}).error().code ==
                Code::InvalidArgument);
        // Nothing of the failed registrations was kept.
        QCOMPARE(nodeNames(state.catalogNodes("")), std::vector<std::string>{"node1"});
        QCOMPARE(state.datacenters(), std::vector<std::string>{"dc1"});
    }

    void nodeMaintenanceTurnsServicesToMaintenance() {
        IndexTable idx;
        FakeClock clock;
        AgentState state(options(), idx, clock);
        QVERIFY(state.registerService(
            decodeServiceDefinition(
                IJson::parse(R"({"Name":"web","Check":{"TTL":"10s","Status":"passing"}})")),
            false));
        QCOMPARE(state.aggregatedStatus("web"), std::string("passing"));
        const uint64_t before = idx.get(index_keys::kNodeChecks);
        QVERIFY(state.setNodeMaintenance(true, ""));
        QVERIFY(idx.get(index_keys::kNodeChecks) > before);
        const CheckRecord* c = state.check("_node_maintenance");
        QVERIFY(c != nullptr);
        QCOMPARE(c->name, std::string("Node Maintenance Mode"));
        QCOMPARE(c->status, std::string("critical"));
        QCOMPARE(c->type, std::string("maintenance"));
        QCOMPARE(c->notes, std::string("Maintenance mode is enabled for this node, but no reason "
                                       "was provided. This is a default message."));
        QCOMPARE(state.aggregatedStatus("web"), std::string("maintenance"));
        QCOMPARE(state.nodeLevelChecks("", "node1").back()->checkId,
                 std::string("_node_maintenance"));
        QVERIFY(state.setNodeMaintenance(true, "again"));  // already on: kept as it was
        QCOMPARE(state.check("_node_maintenance")->notes, c->notes);
        QVERIFY(state.setNodeMaintenance(false, ""));
        QVERIFY(state.check("_node_maintenance") == nullptr);
        QCOMPARE(state.aggregatedStatus("web"), std::string("passing"));
    }

    void servicesWithAnAddressGetTaggedAddresses() {
        IndexTable idx;
        FakeClock clock;
        AgentState state(options(), idx, clock);
        auto regService = [&](const char* json) {
            auto s = state.registerService(decodeServiceDefinition(IJson::parse(json)), false);
            QVERIFY2(s.ok(), s.ok() ? "" : s.error().message.c_str());
        };
        regService(R"({"Name":"v4","Address":"10.1.2.3","Port":80})");
        regService(R"({"Name":"v6","Address":"::1","Port":81})");
        regService(
            R"({"Name":"kept","Address":"10.1.2.4","Port":82,"TaggedAddresses":{"lan_ipv4":{"Address":"192.168.0.1","Port":1}}})");
        regService(R"({"Name":"none","Port":83})");
        regService(R"({"Name":"host","Address":"example.com","Port":84})");

        const auto& v4 = state.service("v4")->taggedAddresses;
        QCOMPARE(v4.size(), size_t{2});
        QCOMPARE(v4.at("lan_ipv4"), (TaggedAddress{"10.1.2.3", 80}));
        QCOMPARE(v4.at("wan_ipv4"), (TaggedAddress{"10.1.2.3", 80}));
        const auto& v6 = state.service("v6")->taggedAddresses;
        QCOMPARE(v6.size(), size_t{2});
        QCOMPARE(v6.at("lan_ipv6"), (TaggedAddress{"::1", 81}));
        QCOMPARE(v6.at("wan_ipv6"), (TaggedAddress{"::1", 81}));
        const auto& kept = state.service("kept")->taggedAddresses;
        QCOMPARE(kept.at("lan_ipv4"), (TaggedAddress{"192.168.0.1", 1}));
        QCOMPARE(kept.at("wan_ipv4"), (TaggedAddress{"10.1.2.4", 82}));
        QVERIFY(state.service("none")->taggedAddresses.empty());
        QVERIFY(state.service("host")->taggedAddresses.empty());
    }
};

QTEST_GUILESS_MAIN(TestAgentCatalog)
#include "test_agent_catalog.moc"
