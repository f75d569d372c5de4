#include <QTcpServer>

#include "meshx_test.h"

#include "agent/agent_state.h"
#include "agent/definition_decoder.h"
#include "agent/index_keys.h"
#include "fake_clock.h"

using namespace meshx::agent;
using namespace std::chrono_literals;

namespace {

ServiceDefinition decode(const char* json) {
    return decodeServiceDefinition(IJson::parse(json));
}

AgentState::Options options() {
    AgentState::Options o;
    o.node.id = "11111111-2222-3333-4444-555555555555";
    o.node.name = "node1";
    o.skipSidecarPortsInUse = false;  // port choices must not depend on this machine's sockets
    return o;
}

}  // namespace

class TestAgentState : public QObject {
    Q_OBJECT

  private slots:
    void sidecarExpansionFollowsConsul() {
        IndexTable idx;
        FakeClock clock;
        AgentState state(options(), idx, clock);
        auto s = state.registerService(
            decode(
                R"({"ID":"web1","Name":"web","Port":8080,"Tags":["v1"],"Meta":{"env":"dev"},"Connect":{"SidecarService":{}}})"),
            false);
        QVERIFY2(s.ok(), s.ok() ? "" : s.error().message.c_str());
        const ServiceRecord* parent = state.service("web1");
        QVERIFY(parent != nullptr);
        QVERIFY(parent->sidecarOf.empty());
        const ServiceRecord* sc = state.service("web1-sidecar-proxy");
        QVERIFY(sc != nullptr);
        QCOMPARE(sc->kind, std::string("connect-proxy"));
        QCOMPARE(sc->service, std::string("web-sidecar-proxy"));
        QCOMPARE(sc->port, int64_t{21000});
        QCOMPARE(sc->tags, std::vector<std::string>{"v1"});
        QCOMPARE(sc->meta.at("env"), std::string("dev"));
        QCOMPARE(sc->sidecarOf, std::string("web1"));
        QVERIFY(sc->proxy.has_value());
        QCOMPARE(sc->proxy->destinationServiceName, std::string("web"));
        QCOMPARE(sc->proxy->destinationServiceId, std::string("web1"));
        QCOMPARE(sc->proxy->localServiceAddress, std::string("127.0.0.1"));
        QCOMPARE(sc->proxy->localServicePort, int64_t{8080});
        const CheckRecord* tcp = state.check("service:web1-sidecar-proxy:1");
        const CheckRecord* alias = state.check("service:web1-sidecar-proxy:2");
        QVERIFY(tcp != nullptr && alias != nullptr);
        QCOMPARE(tcp->name, std::string("Connect Sidecar Listening"));
        QCOMPARE(tcp->definition.tcp, std::string("127.0.0.1:21000"));
        QCOMPARE(tcp->definition.interval, std::chrono::nanoseconds(10s));
        QCOMPARE(tcp->status, std::string("critical"));
        QCOMPARE(alias->name, std::string("Connect Sidecar Aliasing web1"));
        QCOMPARE(alias->definition.aliasService, std::string("web1"));
        // The parent has no checks: the alias check reflects that at once.
        QCOMPARE(alias->status, std::string("passing"));
        QCOMPARE(alias->output, std::string("No checks found."));

        // Next sidecar gets the next port; a re-registration keeps its own.
        QVERIFY(
            state
                .registerService(decode(R"({"Name":"api","Connect":{"SidecarService":{}}})"), false)
                .ok());
        QCOMPARE(state.service("api-sidecar-proxy")->port, int64_t{21001});
        QVERIFY(
            state
                .registerService(
                    decode(
                        R"({"ID":"web1","Name":"web","Port":8080,"Connect":{"SidecarService":{}}})"),
                    false)
                .ok());
        QCOMPARE(state.service("web1-sidecar-proxy")->port, int64_t{21000});

        // Deregistering the parent removes its flagged sidecar and the sidecar's checks.
        QVERIFY(state.deregisterService("web1").ok());
        QVERIFY(state.service("web1-sidecar-proxy") == nullptr);
        QVERIFY(state.check("service:web1-sidecar-proxy:1") == nullptr);
        QVERIFY(state.service("api-sidecar-proxy") != nullptr);
        // The freed port is the lowest again.
        QVERIFY(
            state.registerService(decode(R"({"Name":"db","Connect":{"SidecarService":{}}})"), false)
                .ok());
        QCOMPARE(state.service("db-sidecar-proxy")->port, int64_t{21000});
    }

    void directSidecarRegistrationIsAPlainService() {
        IndexTable idx;
        FakeClock clock;
        AgentState state(options(), idx, clock);
        QVERIFY(
            state
                .registerService(decode(R"({"Name":"web","Connect":{"SidecarService":{}}})"), false)
                .ok());
        QVERIFY(
            state
                .registerService(
                    decode(
                        R"({"ID":"web-sidecar-proxy","Name":"web-sidecar-proxy","Kind":"connect-proxy","Port":21000,"Proxy":{"DestinationServiceName":"web"}})"),
                    false)
                .ok());
        QVERIFY(state.deregisterService("web").ok());
        QVERIFY(state.service("web-sidecar-proxy") != nullptr);
    }

    void sidecarPortRangeExhausted() {
        IndexTable idx;
        FakeClock clock;
        auto o = options();
        o.sidecarMinPort = 21000;
        o.sidecarMaxPort = 21001;
        AgentState state(o, idx, clock);
        QVERIFY(
            state.registerService(decode(R"({"Name":"a","Connect":{"SidecarService":{}}})"), false)
                .ok());
        QVERIFY(
            state.registerService(decode(R"({"Name":"b","Connect":{"SidecarService":{}}})"), false)
                .ok());
        auto s =
            state.registerService(decode(R"({"Name":"c","Connect":{"SidecarService":{}}})"), false);
        QVERIFY(!s.ok());
        QCOMPARE(s.error().code, meshx::Code::Internal);
        QCOMPARE(s.error().message,
                 std::string("no port provided for sidecar_service and none left in the "
                             "configured range [21000, 21001]"));
        QVERIFY(state.service("c") == nullptr);
    }

    // Beyond Consul: a port some other process listens on is skipped, so a sidecar never gets a
    // port it could not bind.
    void sidecarPortTakenByAnotherProcessIsSkipped() {
        QTcpServer holder;
        QVERIFY(holder.listen(QHostAddress::Any, 0));
        const auto taken = static_cast<int64_t>(holder.serverPort());
        IndexTable idx;
        FakeClock clock;
        auto o = options();
        o.sidecarMinPort = taken;
        o.sidecarMaxPort = taken;
        o.skipSidecarPortsInUse = true;
        AgentState state(o, idx, clock);
        auto s =
            state.registerService(decode(R"({"Name":"a","Connect":{"SidecarService":{}}})"), false);
        QVERIFY(!s.ok());
        QVERIFY(state.service("a") == nullptr);

        holder.close();
        QVERIFY(
            state.registerService(decode(R"({"Name":"a","Connect":{"SidecarService":{}}})"), false)
                .ok());
        QCOMPARE(state.service("a-sidecar-proxy")->port, taken);
    }

    void ttlExpiryWithInjectedClock() {
        IndexTable idx;
        FakeClock clock;
        AgentState state(options(), idx, clock);
        QVERIFY(state
                    .registerService(
                        decode(R"({"ID":"w","Name":"w","Check":{"CheckID":"ttl:w","TTL":"10s"}})"),
                        false)
                    .ok());
        QCOMPARE(state.check("ttl:w")->status, std::string("critical"));
        QCOMPARE(state.aggregatedStatus("w"), std::string("critical"));
        QVERIFY(state.updateTtlCheck("ttl:w", "passing", "").ok());
        QCOMPARE(state.aggregatedStatus("w"), std::string("passing"));
        clock.advance(9s);
        QVERIFY(state.expireTtlChecks().empty());
        QVERIFY(state.updateTtlCheck("ttl:w", "warning", "slow").ok());  // re-arms
        QCOMPARE(state.aggregatedStatus("w"), std::string("warning"));
        clock.advance(9s);
        QVERIFY(state.expireTtlChecks().empty());
        clock.advance(2s);
        QCOMPARE(state.expireTtlChecks(), std::vector<std::string>{"ttl:w"});
        QCOMPARE(state.check("ttl:w")->status, std::string("critical"));
        QCOMPARE(state.check("ttl:w")->output,
                 std::string("TTL expired (last output before timeout follows): slow"));
        QVERIFY(!state.nextTtlDeadline().has_value());  // stays expired until the next update

        QVERIFY(state.updateTtlCheck("ttl:w", "passing", "").ok());
        clock.advance(11s);
        QCOMPARE(state.expireTtlChecks().size(), size_t{1});
        QCOMPARE(state.check("ttl:w")->output, std::string("TTL expired"));
    }

    void reRegistrationKeepsCheckStatus() {
        IndexTable idx;
        FakeClock clock;
        AgentState state(options(), idx, clock);
        const char* def = R"({"ID":"w","Name":"w","Checks":[{"CheckID":"ttl:w","TTL":"10s"}]})";
        QVERIFY(state.registerService(decode(def), true).ok());
        QVERIFY(state.updateTtlCheck("ttl:w", "passing", "ok").ok());
        QVERIFY(state.registerService(decode(def), true).ok());
        QCOMPARE(state.check("ttl:w")->status, std::string("passing"));
        QCOMPARE(state.check("ttl:w")->output, std::string("ok"));
        // replace-existing-checks=false keeps a check the new definition lacks; true drops it.
        QVERIFY(state.registerService(decode(R"({"ID":"w","Name":"w"})"), false).ok());
        QVERIFY(state.check("ttl:w") != nullptr);
        QVERIFY(state.registerService(decode(R"({"ID":"w","Name":"w"})"), true).ok());
        QVERIFY(state.check("ttl:w") == nullptr);
    }

    void healthAggregation() {
        IndexTable idx;
        FakeClock clock;
        AgentState state(options(), idx, clock);
        QVERIFY(
            state
                .registerService(
                    decode(
                        R"({"Name":"w","Checks":[{"CheckID":"a","TTL":"1m","Status":"passing"},{"CheckID":"b","TTL":"1m","Status":"passing"}]})"),
                    false)
                .ok());
        QCOMPARE(state.aggregatedStatus("w"), std::string("passing"));
        QVERIFY(state.updateTtlCheck("b", "warning", "").ok());
        QCOMPARE(state.aggregatedStatus("w"), std::string("warning"));
        QVERIFY(state.updateTtlCheck("a", "critical", "").ok());
        QCOMPARE(state.aggregatedStatus("w"), std::string("critical"));
        QVERIFY(state.setServiceMaintenance("w", true, "").ok());
        QCOMPARE(state.aggregatedStatus("w"), std::string("maintenance"));
        QVERIFY(state.setServiceMaintenance("w", false, "").ok());
        QVERIFY(state.updateTtlCheck("a", "passing", "").ok());
        QVERIFY(state.updateTtlCheck("b", "passing", "").ok());
        // A node-level check counts for every service.
        CheckType node;
        node.name = "disk";
        node.ttl = 1min;
        node.status = "warning";
        QVERIFY(state.registerCheck(node).ok());
        QCOMPARE(state.aggregatedStatus("w"), std::string("warning"));
        // No checks at all: passing.
        QVERIFY(state.deregisterCheck("disk").ok());
        QVERIFY(state.registerService(decode(R"({"Name":"bare"})"), false).ok());
        QCOMPARE(state.aggregatedStatus("bare"), std::string("passing"));
    }

    void aliasCheckFollowsParent() {
        IndexTable idx;
        FakeClock clock;
        AgentState state(options(), idx, clock);
        QVERIFY(
            state
                .registerService(
                    decode(
                        R"({"Name":"web","Check":{"CheckID":"ttl:web","Name":"TTL check","TTL":"10s"},"Connect":{"SidecarService":{}}})"),
                    false)
                .ok());
        const CheckRecord* alias = state.check("service:web-sidecar-proxy:2");
        QCOMPARE(alias->status, std::string("critical"));
        QCOMPARE(alias->output, std::string("Aliased check \"TTL check\" failing: "));
        QVERIFY(state.updateTtlCheck("ttl:web", "passing", "fine").ok());
        QCOMPARE(state.check("service:web-sidecar-proxy:2")->status, std::string("passing"));
        QCOMPARE(state.check("service:web-sidecar-proxy:2")->output,
                 std::string("All checks passing."));
        // An alias check registered on its own gets the target's state at once.
        CheckType mirror;
        mirror.name = "mirror";
        mirror.aliasService = "web";
        QVERIFY(state.registerCheck(mirror).ok());
        QCOMPARE(state.check("mirror")->status, std::string("passing"));
        mirror.name = "ghost";
        mirror.aliasService = "nowhere";
        QVERIFY(state.registerCheck(mirror).ok());
        QCOMPARE(state.check("ghost")->status, std::string("critical"));
        QCOMPARE(state.check("ghost")->output,
                 std::string("Service nowhere could not be found on node node1"));
    }

    void writesBumpTheWatchedKeys() {
        IndexTable idx;
        FakeClock clock;
        AgentState state(options(), idx, clock);
        std::vector<std::string> seen;
        idx.setListener([&](const std::vector<std::string>& keys) { seen = keys; });
        const uint64_t before = idx.current();
        QVERIFY(state
                    .registerService(
                        decode(R"({"Name":"web","Check":{"CheckID":"t","TTL":"10s"}})"), false)
                    .ok());
        QVERIFY(idx.current() > before);
        QVERIFY(std::count(seen.begin(), seen.end(), index_keys::service("web")) == 1);
        const uint64_t afterRegister = idx.get(index_keys::service("web"));
        // Same status and output again: no change, no wake-up.
        QVERIFY(state.updateTtlCheck("t", "critical", "").ok());
        QCOMPARE(idx.get(index_keys::service("web")), afterRegister);
        QVERIFY(state.updateTtlCheck("t", "passing", "").ok());
        QVERIFY(idx.get(index_keys::service("web")) > afterRegister);
        QCOMPARE(idx.get(index_keys::kServices), afterRegister);  // check writes leave the table
    }

    void criticalServicesAreReaped() {
        IndexTable idx;
        FakeClock clock;
        AgentState state(options(), idx, clock);
        QVERIFY(
            state
                .registerService(
                    decode(
                        R"({"Name":"flaky","Check":{"CheckID":"t","TTL":"10s","DeregisterCriticalServiceAfter":"1m"},"Connect":{"SidecarService":{}}})"),
                    false)
                .ok());
        QVERIFY(state
                    .registerService(
                        decode(R"({"Name":"steady","Check":{"CheckID":"s","TTL":"10s"}})"), false)
                    .ok());
        clock.advance(30s);
        QVERIFY(state.reapCriticalServices().empty());
        QVERIFY(state.updateTtlCheck("t", "passing", "").ok());  // resets the critical clock
        clock.advance(50s);
        QCOMPARE(state.expireTtlChecks().size(), size_t{2});  // t and s go critical now
        clock.advance(59s);
        QVERIFY(state.reapCriticalServices().empty());
        clock.advance(2s);
        QCOMPARE(state.reapCriticalServices(), std::vector<std::string>{"flaky"});
        QVERIFY(state.service("flaky") == nullptr);
        QVERIFY(state.service("flaky-sidecar-proxy") == nullptr);
        QVERIFY(state.service("steady") != nullptr);  // critical, but without the setting
    }

    void errorsCarryConsulTexts() {
        IndexTable idx;
        FakeClock clock;
        AgentState state(options(), idx, clock);
        auto s = state.updateTtlCheck("nope", "passing", "");
        QCOMPARE(s.error().code, meshx::Code::NotFound);
        QCOMPARE(s.error().message, std::string("Unknown check ID \"nope\". Ensure that the check "
                                                "ID is passed, not the check name."));
        s = state.deregisterService("nope");
        QCOMPARE(s.error().message, std::string("Unknown service ID \"nope\". Ensure that the "
                                                "service ID is passed, not the service name."));
        s = state.registerService(decode(R"({"Port":1})"), false);
        QCOMPARE(s.error().message, std::string("Missing service name"));
        s = state.registerService(decode(R"({"Name":"x","Address":"0.0.0.0"})"), false);
        QCOMPARE(s.error().message, std::string("Invalid service address"));
        s = state.registerService(decode(R"({"Name":"x","Check":{"TTL":"1s","Interval":"1s"}})"),
                                  false);
        QCOMPARE(s.error().message,
                 std::string("Invalid check: Interval and TTL cannot both be specified"));
        s = state.registerService(decode(R"({"Name":"x","Check":{"TTL":"1s","Status":"bad"}})"),
                                  false);
        QCOMPARE(s.error().message,
                 std::string("Status for checks must 'passing', 'warning', 'critical'"));
        s = state.registerService(
            decode(
                R"({"Name":"p","Kind":"connect-proxy","Proxy":{"DestinationServiceName":"web"}})"),
            false);
        QCOMPARE(s.error().message,
                 std::string("Validation failed: 1 error occurred:\n\t* Port or SocketPath must "
                             "be set for a connect-proxy\n\n"));
        CheckType c;
        c.name = "x";
        c.ttl = 1s;
        c.serviceId = "ghost";
        s = state.registerCheck(c);
        QCOMPARE(s.error().code, meshx::Code::NotFound);
        QCOMPARE(s.error().message, std::string("ServiceID \"ghost\" does not exist"));
        QVERIFY(state.services().empty());
    }
};

QTEST_GUILESS_MAIN(TestAgentState)
#include "test_agent_state.moc"
