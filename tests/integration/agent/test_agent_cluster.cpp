// The real meshx-agent over HTTP where it used to differ from Consul (issue 19): KV root and
// recurse+cas, ?dc= of an unknown datacenter, /catalog/connect, node maintenance, services'
// tagged addresses, and the cluster catalog (other nodes and a second datacenter registered
// through /catalog/register, blocking queries waking on it). Last, python-consul2 drives the
// same through a client nobody here wrote.

#include <QElapsedTimer>
#include <QFileInfo>

#include <future>

#include "agent_client.h"
#include "agent_http.h"
#include "agent_process.h"
#include "meshx_test.h"

using nlohmann::json;
using namespace meshx::consul;

namespace {

Reply del(ConsulApi& c, Request r) {
    return send(c, std::move(r));
}

std::vector<std::string> field(const json& array, const char* name) {
    std::vector<std::string> out;
    for (const auto& e : array) {
        out.push_back(e[name].get<std::string>());
    }
    return out;
}

}  // namespace

class TestAgentCluster : public QObject {
    Q_OBJECT

    AgentProcess agent_;
    std::unique_ptr<ConsulClient> client_;

  private slots:
    void initTestCase() {
        QVERIFY2(agent_.start(), qPrintable(agent_.output() + agent_.errors()));
        client_ = agentClient(agent_);
        QVERIFY(client_ != nullptr);
    }

    void cleanupTestCase() {
        client_.reset();
        QCOMPARE(agent_.stop(), 0);
    }

    // Runs first, while the store is empty.
    void kvRootAnswersLikeConsul() {
        const Reply bare = get(*client_, "/kv/");
        QCOMPARE(bare.status, 400);
        QCOMPARE(bare.body, std::string("Missing key name"));
        auto keys = Request::get("/kv/");
        keys.param("keys");
        const Reply empty = send(*client_, keys);
        QCOMPARE(empty.status, 200);
        QCOMPARE(empty.json, json::array());
        auto prefixKeys = Request::get("/kv/none/");
        prefixKeys.param("keys");
        QCOMPARE(send(*client_, prefixKeys).status, 404);
        auto recurse = Request::get("/kv/");
        recurse.param("recurse");
        QCOMPARE(send(*client_, recurse).status, 404);
        QCOMPARE(putRaw(*client_, "/kv/root/a", "1").status, 200);
        const Reply one = send(*client_, keys);
        QCOMPARE(one.json, json::array({"root/a"}));
        QCOMPARE(del(*client_, Request::del("/kv/root/a")).status, 200);
    }

    void kvRecurseDeleteWithCasIsRefused() {
        QCOMPARE(putRaw(*client_, "/kv/app/a", "1").status, 200);
        QCOMPARE(putRaw(*client_, "/kv/app/b", "2").status, 200);
        const Reply a = get(*client_, "/kv/app/a");
        QCOMPARE(a.status, 200);
        const auto index = a.json[0]["ModifyIndex"].get<uint64_t>();
        auto bad = Request::del("/kv/app/");
        bad.param("recurse");
        bad.param("cas", std::to_string(index));
        const Reply refused = del(*client_, bad);
        QCOMPARE(refused.status, 400);
        QCOMPARE(refused.body, "Conflicting flags: cas=" + std::to_string(index) + "&recurse=\n");
        auto keys = Request::get("/kv/app/");
        keys.param("keys");
        QCOMPARE(send(*client_, keys).json, json::array({"app/a", "app/b"}));
        // The same on a PUT: cas with acquire.
        auto put = Request::put("/kv/app/a");
        put.param("cas", "1");
        put.param("acquire", "sess");
        const Reply conflict = send(*client_, put);
        QCOMPARE(conflict.status, 400);
        QCOMPARE(conflict.body, std::string("Conflicting flags: acquire=sess&cas=1\n"));
        // The query is echoed re-encoded (sorted, Go's escaping), a token's value hidden.
        auto escaped = Request::del("/kv/app/");
        escaped.param("recurse", "a b/c");
        escaped.param("cas", "1");
        escaped.param("token", "s3cret");
        const Reply echoed = del(*client_, escaped);
        QCOMPARE(echoed.status, 400);
        QCOMPARE(echoed.body,
                 std::string("Conflicting flags: cas=1&recurse=a+b%2Fc&token=<hidden>\n"));
        // A single-key CAS delete and a plain recurse still work.
        auto cas = Request::del("/kv/app/a");
        cas.param("cas", std::to_string(index));
        const Reply casDelete = del(*client_, cas);
        QCOMPARE(casDelete.status, 200);
        QCOMPARE(casDelete.json, json(true));
        auto all = Request::del("/kv/app/");
        all.param("recurse");
        QCOMPARE(del(*client_, all).status, 200);
        QCOMPARE(get(*client_, "/kv/app/b").status, 404);
    }

    void unknownDatacenterIsRefusedEverywhere() {
        const std::vector<std::pair<std::string, std::string>> endpoints{
            {"GET", "/catalog/services"},
            {"GET", "/catalog/service/consul"},
            {"GET", "/catalog/connect/web"},
            {"GET", "/catalog/nodes"},
            {"GET", "/catalog/node/test-node"},
            {"GET", "/health/service/consul"},
            {"GET", "/health/connect/web"},
            {"GET", "/health/checks/consul"},
            {"GET", "/health/state/any"},
            {"GET", "/health/node/test-node"},
            {"GET", "/kv/some/key"},
            {"PUT", "/kv/some/key"},
            {"DELETE", "/kv/some/key"},
            {"GET", "/connect/intentions"},
            {"GET", "/connect/intentions/match"},
            {"GET", "/connect/ca/roots"},
            {"GET", "/agent/connect/ca/roots"},
            {"GET", "/status/leader"},
            {"GET", "/status/peers"}};
        for (const auto& [method, path] : endpoints) {
            Request r = method == "GET"   ? Request::get(path)
                        : method == "PUT" ? Request::put(path)
                                          : Request::del(path);
            r.param("dc", "nowhere");
            const Reply reply = send(*client_, r);
            QVERIFY2(reply.status == 500 && reply.body == "No path to datacenter",
                     qPrintable(QString::fromStdString(method + " " + path + " -> " +
                                                       std::to_string(reply.status) + " " +
                                                       reply.body)));
        }
        // Nothing was written to the local store by the refused PUT.
        QCOMPARE(get(*client_, "/kv/some/key").status, 404);
        // The agent's own datacenter by name is served.
        auto own = Request::get("/catalog/nodes");
        own.param("dc", "dc1");
        const Reply nodes = send(*client_, own);
        QCOMPARE(nodes.status, 200);
        QCOMPARE(field(nodes.json, "Node"), std::vector<std::string>{"test-node"});
    }

    void catalogConnectListsProxiesAndNative() {
        json web{
            {"Name", "web"}, {"Port", 8080}, {"Connect", {{"SidecarService", json::object()}}}};
        QCOMPARE(putJson(*client_, "/agent/service/register", web).status, 200);
        json native{{"Name", "nat"}, {"Port", 8090}, {"Connect", {{"Native", true}}}};
        QCOMPARE(putJson(*client_, "/agent/service/register", native).status, 200);
        const Reply proxies = get(*client_, "/catalog/connect/web");
        QCOMPARE(proxies.status, 200);
        QCOMPARE(proxies.json.size(), size_t{1});
        QCOMPARE(proxies.json[0]["ServiceID"], json("web-sidecar-proxy"));
        QCOMPARE(proxies.json[0]["ServiceKind"], json("connect-proxy"));
        QCOMPARE(proxies.json[0]["ServiceProxy"]["DestinationServiceName"], json("web"));
        QVERIFY(proxies.hasIndex);
        const Reply nat = get(*client_, "/catalog/connect/nat");
        QCOMPARE(field(nat.json, "ServiceID"), std::vector<std::string>{"nat"});
        QCOMPARE(get(*client_, "/catalog/connect/ghost").json, json::array());
        const Reply missing = get(*client_, "/catalog/connect/");
        QCOMPARE(missing.status, 400);
        QCOMPARE(missing.body, std::string("Missing service name"));
    }

    void nodeMaintenanceTogglesTheNode() {
        const Reply noEnable = send(*client_, Request::put("/agent/maintenance"));
        QCOMPARE(noEnable.status, 400);
        QCOMPARE(noEnable.body, std::string("Missing value for enable"));
        auto bad = Request::put("/agent/maintenance");
        bad.param("enable", "maybe");
        QCOMPARE(send(*client_, bad).body, std::string("Invalid value for enable: \"maybe\""));
        QCOMPARE(send(*client_, Request::get("/agent/maintenance")).status, 405);

        auto on = Request::put("/agent/maintenance");
        on.param("enable", "true");
        on.param("reason", "kernel upgrade");
        QCOMPARE(send(*client_, on).status, 200);
        const Reply health = get(*client_, "/agent/health/service/name/web");
        QCOMPARE(health.status, 503);
        QCOMPARE(health.json[0]["AggregatedStatus"], json("maintenance"));
        const Reply nodeChecks = get(*client_, "/health/node/test-node");
        json maintenance;
        for (const auto& c : nodeChecks.json) {
            if (c["CheckID"] == "_node_maintenance") {
                maintenance = c;
            }
        }
        QCOMPARE(maintenance["Name"], json("Node Maintenance Mode"));
        QCOMPARE(maintenance["Notes"], json("kernel upgrade"));
        QCOMPARE(maintenance["Status"], json("critical"));
        QCOMPARE(maintenance["ServiceID"], json(""));

        auto off = Request::put("/agent/maintenance");
        off.param("enable", "false");
        QCOMPARE(send(*client_, off).status, 200);
        for (const auto& c : get(*client_, "/health/node/test-node").json) {
            QVERIFY(c["CheckID"] != "_node_maintenance");
        }
        // Service maintenance is there too.
        auto svc = Request::put("/agent/service/maintenance/web");
        svc.param("enable", "true");
        QCOMPARE(send(*client_, svc).status, 200);
        QCOMPARE(get(*client_, "/agent/health/service/id/web").status, 503);
        svc = Request::put("/agent/service/maintenance/web");
        svc.param("enable", "false");
        QCOMPARE(send(*client_, svc).status, 200);
    }

    void servicesWithAnAddressCarryTaggedAddresses() {
        json def{{"Name", "tagged"}, {"Address", "127.0.0.5"}, {"Port", 9000}};
        QCOMPARE(putJson(*client_, "/agent/service/register", def).status, 200);
        const json expected{{"lan_ipv4", {{"Address", "127.0.0.5"}, {"Port", 9000}}},
                            {"wan_ipv4", {{"Address", "127.0.0.5"}, {"Port", 9000}}}};
        QCOMPARE(get(*client_, "/agent/service/tagged").json["TaggedAddresses"], expected);
        QCOMPARE(get(*client_, "/agent/services").json["tagged"]["TaggedAddresses"], expected);
        QCOMPARE(get(*client_, "/catalog/service/tagged").json[0]["ServiceTaggedAddresses"],
                 expected);
        QCOMPARE(get(*client_, "/health/service/tagged").json[0]["Service"]["TaggedAddresses"],
                 expected);
        QCOMPARE(
            get(*client_, "/catalog/node/test-node").json["Services"]["tagged"]["TaggedAddresses"],
            expected);
        // Without an address there are none (the field is omitted, as in Consul).
        QVERIFY(get(*client_, "/agent/service/web").json.count("TaggedAddresses") == 0);
    }

    void threeNodesInTwoDatacenters() {
        // node-b in the agent's dc1, node-c in dc2: with test-node, 3 nodes in 2 datacenters.
        const json nodeB{
            {"Node", "node-b"},
            {"ID", "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"},
            {"Address", "10.0.0.2"},
            {"TaggedAddresses", {{"wan", "198.51.100.2"}}},
            {"NodeMeta", {{"rack", "r1"}}},
            {"Service", {{"Service", "api"}, {"ID", "api-b"}, {"Port", 7000}, {"Tags", {"v1"}}}},
            {"Checks",
             json::array({{{"CheckID", "api-b-alive"},
                           {"Name", "api alive"},
                           {"Status", "passing"},
                           {"ServiceID", "api-b"},
                           {"Output", "200 OK"}},
                          {{"CheckID", "disk"}, {"Name", "disk"}, {"Status", "passing"}}})}};
        const Reply first = get(*client_, "/catalog/service/api");
        QCOMPARE(first.json, json::array());

        // A blocking query on the service wakes when another node registers it.
        auto blocking = Request::get("/catalog/service/api");
        blocking.blocking.index = first.index;
        blocking.blocking.wait = std::chrono::seconds(60);
        QElapsedTimer timer;
        timer.start();
        auto pending = std::async(std::launch::async, [&] { return send(*client_, blocking); });
        QVERIFY(pending.wait_for(std::chrono::milliseconds(300)) == std::future_status::timeout);
        const Reply registered = putJson(*client_, "/catalog/register", nodeB);
        QCOMPARE(registered.status, 200);
        QCOMPARE(registered.json, json(true));
        QVERIFY(pending.wait_for(std::chrono::seconds(20)) == std::future_status::ready);
        const Reply woke = pending.get();
        QVERIFY(woke.index > first.index);
        QVERIFY(timer.elapsed() < 20000);
        QCOMPARE(field(woke.json, "Node"), std::vector<std::string>{"node-b"});

        const json nodeC{{"Node", "node-c"},
                         {"Address", "10.1.0.3"},
                         {"Datacenter", "dc2"},
                         {"Service", {{"Service", "api"}, {"Port", 7001}}},
                         {"Check",
                          {{"CheckID", "api-c"},
                           {"Name", "api"},
                           {"Status", "critical"},
                           {"ServiceID", "api"}}}};
        QCOMPARE(putJson(*client_, "/catalog/register", nodeC).status, 200);

        QCOMPARE(get(*client_, "/catalog/datacenters").json, json::array({"dc1", "dc2"}));
        QCOMPARE(field(get(*client_, "/catalog/nodes").json, "Node"),
                 (std::vector<std::string>{"node-b", "test-node"}));
        auto dc2 = [&](const std::string& path) {
            auto r = Request::get(path);
            r.param("dc", "dc2");
            return send(*client_, r);
        };
        const Reply dc2Nodes = dc2("/catalog/nodes");
        QCOMPARE(field(dc2Nodes.json, "Node"), std::vector<std::string>{"node-c"});
        QCOMPARE(dc2Nodes.json[0]["Datacenter"], json("dc2"));
        auto meta = Request::get("/catalog/nodes");
        meta.param("node-meta", "rack:r1");
        QCOMPARE(field(send(*client_, meta).json, "Node"), std::vector<std::string>{"node-b"});

        const Reply node = get(*client_, "/catalog/node/node-b");
        QCOMPARE(node.json["Node"]["Address"], json("10.0.0.2"));
        QCOMPARE(node.json["Node"]["ID"], json("aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"));
        QCOMPARE(node.json["Node"]["TaggedAddresses"], (json{{"wan", "198.51.100.2"}}));
        QCOMPARE(node.json["Node"]["Meta"], (json{{"rack", "r1"}}));
        QCOMPARE(node.json["Services"]["api-b"]["Port"], json(7000));
        QCOMPARE(get(*client_, "/catalog/node/node-c").json, json(nullptr));  // other dc
        QCOMPARE(dc2("/catalog/node/node-c").json["Services"]["api"]["Port"], json(7001));

        const Reply services = get(*client_, "/catalog/services");
        QCOMPARE(services.json["api"], json::array({"v1"}));
        QVERIFY(services.json.contains("consul"));
        QCOMPARE(dc2("/catalog/services").json, (json{{"api", json::array()}}));

        const Reply apiDc2 = dc2("/catalog/service/api");
        QCOMPARE(field(apiDc2.json, "Node"), std::vector<std::string>{"node-c"});
        QCOMPARE(apiDc2.json[0]["Datacenter"], json("dc2"));
        QCOMPARE(apiDc2.json[0]["Address"], json("10.1.0.3"));

        const Reply health = get(*client_, "/health/service/api");
        QCOMPARE(health.json.size(), size_t{1});
        QCOMPARE(health.json[0]["Node"]["Node"], json("node-b"));
        QCOMPARE(field(health.json[0]["Checks"], "CheckID"),
                 (std::vector<std::string>{"disk", "api-b-alive"}));
        QCOMPARE(health.json[0]["Checks"][1]["Output"], json("200 OK"));
        QCOMPARE(health.json[0]["Checks"][1]["ServiceName"], json("api"));
        auto passing = Request::get("/health/service/api");
        passing.param("dc", "dc2");
        passing.param("passing");
        QCOMPARE(send(*client_, passing).json, json::array());
        QCOMPARE(field(dc2("/health/node/node-c").json, "CheckID"),
                 std::vector<std::string>{"api-c"});
        // /health/node lists a node's checks by check ID (Consul's node index).
        QCOMPARE(field(get(*client_, "/health/node/node-b").json, "CheckID"),
                 (std::vector<std::string>{"api-b-alive", "disk"}));
        QCOMPARE(field(dc2("/health/state/critical").json, "CheckID"),
                 std::vector<std::string>{"api-c"});
        QCOMPARE(field(get(*client_, "/health/checks/api").json, "CheckID"),
                 std::vector<std::string>{"api-b-alive"});

        // Agent endpoints stay local, as in Consul.
        QVERIFY(!get(*client_, "/agent/services").json.contains("api-b"));
        QVERIFY(!get(*client_, "/agent/checks").json.contains("disk"));

        // Deregister by check, by service, by node.
        QCOMPARE(putJson(*client_, "/catalog/deregister", {{"Node", "node-b"}, {"CheckID", "disk"}})
                     .status,
                 200);
        QCOMPARE(field(get(*client_, "/health/node/node-b").json, "CheckID"),
                 std::vector<std::string>{"api-b-alive"});
        QCOMPARE(
            putJson(*client_, "/catalog/deregister", {{"Node", "node-b"}, {"ServiceID", "api-b"}})
                .status,
            200);
        QCOMPARE(get(*client_, "/catalog/service/api").json, json::array());
        QCOMPARE(get(*client_, "/health/node/node-b").json, json::array());
        // A blocking health query on the other datacenter wakes when its node goes away.
        const Reply before = dc2("/health/service/api");
        QCOMPARE(before.json.size(), size_t{1});
        auto watch = Request::get("/health/service/api");
        watch.param("dc", "dc2");
        watch.blocking.index = before.index;
        watch.blocking.wait = std::chrono::seconds(60);
        auto watching = std::async(std::launch::async, [&] { return send(*client_, watch); });
        QVERIFY(watching.wait_for(std::chrono::milliseconds(300)) == std::future_status::timeout);
        QCOMPARE(
            putJson(*client_, "/catalog/deregister", {{"Node", "node-c"}, {"Datacenter", "dc2"}})
                .status,
            200);
        QVERIFY(watching.wait_for(std::chrono::seconds(20)) == std::future_status::ready);
        const Reply gone = watching.get();
        QVERIFY(gone.index > before.index);
        QCOMPARE(gone.json, json::array());
        QCOMPARE(dc2("/catalog/nodes").json, json::array());
        QCOMPARE(get(*client_, "/catalog/datacenters").json, json::array({"dc1", "dc2"}));
    }

    void catalogRegistrationErrors() {
        const Reply noNode = putJson(*client_, "/catalog/register", {{"Address", "10.0.0.9"}});
        QCOMPARE(noNode.status, 500);
        QCOMPARE(noNode.body, std::string("Must provide node"));
        const Reply noAddress = putJson(*client_, "/catalog/register", {{"Node", "x"}});
        QCOMPARE(noAddress.status, 500);
        QCOMPARE(noAddress.body, std::string("Must provide address if SkipNodeUpdate is not set"));
        const Reply badBody = putRaw(*client_, "/catalog/register", "{");
        QCOMPARE(badBody.status, 400);
        QVERIFY2(badBody.body.rfind("Request decode failed: ", 0) == 0, badBody.body.c_str());
        const Reply own =
            putJson(*client_, "/catalog/register", {{"Node", "test-node"}, {"Address", "1.2.3.4"}});
        QCOMPARE(own.status, 400);
        QCOMPARE(get(*client_, "/catalog/node/test-node").json["Node"]["Address"],
                 json("127.0.0.1"));
        QCOMPARE(send(*client_, Request::get("/catalog/register")).status, 405);
        QCOMPARE(putJson(*client_, "/catalog/deregister", json::object()).body,
                 std::string("Must provide node"));
    }

    void pythonConsul2DrivesTheCatalog() {
        const QString python = QStringLiteral("/usr/bin/python3");
        if (!QFileInfo::exists(python)) {
            QSKIP("/usr/bin/python3 is not installed");
        }
        const auto probe = runProcess(python, {"-c", "import consul"});
        QVERIFY2(probe.exitCode == 0,
                 qPrintable("python3-consul2 is missing (apt-get install python3-consul2): " +
                            probe.err));
        // A fresh agent: the script checks whole listings.
        AgentProcess agent;
        QVERIFY2(agent.start(), qPrintable(agent.output()));
        const QString hostPort = agent.address().mid(QStringLiteral("http://").size());
        const QString script =
            QStringLiteral(MESHX_SOURCE_DIR "/tests/integration/agent/python_consul_catalog.py");
        const auto run = runProcess(
            python, {script, hostPort.section(':', 0, 0), hostPort.section(':', 1)}, 60000);
        QVERIFY2(run.finished, "the python client did not finish in time");
        QVERIFY2(run.exitCode == 0,
                 qPrintable(run.out + run.err + "\nagent log:\n" + agent.output()));
        QCOMPARE(run.out.trimmed(), QStringLiteral("OK"));
        QCOMPARE(agent.stop(), 0);
    }
};

QTEST_GUILESS_MAIN(TestAgentCluster)
#include "test_agent_cluster.moc"
