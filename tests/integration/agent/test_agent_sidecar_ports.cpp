// Sidecar ports of several dev agents on one machine (one per console, CLI or test): each agent
// gives its sidecars the lowest free port of the sidecar range, as Consul does, and Consul only
// knows its own sidecars. Two `meshx-agent -dev` processes registering at the same instant both
// found 21000 free (no proxy binds before its registration returns), so two sidecars were given
// one port; the second could not bind, and its service's callers reached the first sidecar. The
// agents now claim the port host-wide (net::PortClaim, the engines' claims) and hold it as long
// as the sidecar is registered.

#include <QTemporaryDir>

#include <set>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent_client.h"
#include "agent_process.h"
#include "meshx_test.h"

using nlohmann::json;

namespace {

constexpr int kServicesPerAgent = 12;
// A range of this test's own, below the ephemeral ports, so other suites' sidecars stay apart.
const QStringList kRange{QStringLiteral("-sidecar-min-port"), QStringLiteral("29300"),
                         QStringLiteral("-sidecar-max-port"), QStringLiteral("29399")};

// Registers `prefix-0..n-1`, each with a sidecar of an agent-chosen port; false on any error.
bool registerServices(const AgentProcess& agent, const std::string& prefix, int n) {
    auto client = agentClient(agent);
    if (!client) {
        return false;
    }
    for (int i = 0; i < n; ++i) {
        meshx::consul::Request r;
        r.method = meshx::consul::Method::Put;
        r.path = "/agent/service/register";
        r.body = json{{"Name", prefix + std::to_string(i)},
                      {"Port", 9000 + i},
                      {"Connect", {{"SidecarService", json::object()}}}}
                     .dump();
        if (!client->send(r)) {
            return false;
        }
    }
    return true;
}

// Sidecar ports the agent lists, by sidecar id.
std::map<std::string, int> sidecarPorts(const AgentProcess& agent) {
    std::map<std::string, int> ports;
    auto client = agentClient(agent);
    if (!client) {
        return ports;
    }
    meshx::consul::Request r;
    r.path = "/agent/services";
    auto reply = client->send(r);
    if (!reply) {
        return ports;
    }
    const json services = json::parse(reply->body);  // outlives the loop over its items
    for (const auto& [id, s] : services.items()) {
        if (s.value("Kind", "") == "connect-proxy") {
            ports[id] = s.value("Port", 0);
        }
    }
    return ports;
}

}  // namespace

class TestAgentSidecarPorts : public QObject {
    Q_OBJECT

    QTemporaryDir claims_;

  private slots:
    void initTestCase() {
        QVERIFY(claims_.isValid());
        // Both agents (children) claim in this test's directory, not the host's.
        qputenv("MESHX_PORT_CLAIM_DIR", claims_.path().toUtf8());
    }

    void twoAgentsRegisteringTogetherNeverShareASidecarPort() {
        AgentProcess a, b;
        QVERIFY2(a.start(kRange + QStringList{QStringLiteral("-node"), QStringLiteral("node-a")}),
                 qPrintable(a.error()));
        QVERIFY2(b.start(kRange + QStringList{QStringLiteral("-node"), QStringLiteral("node-b")}),
                 qPrintable(b.error()));
        bool okA = false, okB = false;
        {
            std::jthread ta([&] { okA = registerServices(a, "a", kServicesPerAgent); });
            std::jthread tb([&] { okB = registerServices(b, "b", kServicesPerAgent); });
        }
        QVERIFY(okA && okB);
        const auto portsA = sidecarPorts(a);
        const auto portsB = sidecarPorts(b);
        QCOMPARE(int(portsA.size()), kServicesPerAgent);
        QCOMPARE(int(portsB.size()), kServicesPerAgent);
        std::set<int> all;
        for (const auto* ports : {&portsA, &portsB}) {
            for (const auto& [id, port] : *ports) {
                QVERIFY2(port >= 29300 && port <= 29399, id.c_str());
                QVERIFY2(all.insert(port).second,
                         qPrintable(QStringLiteral("sidecar port %1 given twice (%2)")
                                        .arg(port)
                                        .arg(QString::fromStdString(id))));
            }
        }

        // Deregistering frees the claim: b's next sidecar may take a's old port.
        const int freed = portsA.at("a0-sidecar-proxy");
        {
            auto client = agentClient(a);
            QVERIFY(client);
            meshx::consul::Request r;
            r.method = meshx::consul::Method::Put;
            r.path = "/agent/service/deregister/a0";
            QVERIFY(client->send(r));
        }
        QVERIFY(registerServices(b, "late", 1));
        QCOMPARE(sidecarPorts(b).at("late0-sidecar-proxy"), freed);

        // An agent that exits (even killed) drops its claims with it.
        const int heldByA = portsA.at("a1-sidecar-proxy");
        a.kill();
        QVERIFY(registerServices(b, "after", kServicesPerAgent));
        std::set<int> afterPorts;
        for (const auto& [id, port] : sidecarPorts(b)) {
            if (id.rfind("after", 0) == 0) {
                afterPorts.insert(port);
            }
        }
        QVERIFY(afterPorts.count(heldByA) == 1);
    }
};

QTEST_GUILESS_MAIN(TestAgentSidecarPorts)
#include "test_agent_sidecar_ports.moc"
