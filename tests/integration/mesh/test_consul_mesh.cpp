#include <QFile>
#include <QTcpServer>
#include <QTemporaryDir>

#include <QThread>
#include <csignal>

#include "agent_process.h"
#include "common/hostname.h"
#include "consul/agent_endpoints.h"
#include "consul/agent_types.h"
#include "consul/consul_client.h"
#include "mesh/consul_mesh.h"
#include "meshx_test.h"
#include "telemetry/lifecycle_event.h"
#include "telemetry/telemetry_bus.h"

using namespace meshx;
using namespace meshx::mesh;
using nlohmann::json;
namespace ep = meshx::consul::endpoints;

// The mesh engine against a real `meshx-agent` process. Proxies are small stand-in commands
// (sleep, sh) where the test is about supervision rather than the data plane.
class TestConsulMesh : public QObject {
    Q_OBJECT

    std::unique_ptr<AgentProcess> agent_;
    std::unique_ptr<consul::ConsulClient> client_;

    MeshConfig config(uint16_t min = 20000, uint16_t max = 20999) const {
        MeshConfig c;
        c.agent = *AgentEndpoint::parse(agent_->address().toStdString());
        c.portRangeMin = min;
        c.portRangeMax = max;
        c.maxProxyRestarts = 2;
        c.ttlIntervalMs = 300;
        // Proxy services started by connect() run a stand-in too: the data plane is tested in
        // tests/integration/proxy.
        c.proxyTemplate = "sleeper";
        c.templates["sleeper"] = R"({"proxy":["sleep","60"]})";
        return c;
    }
    std::unique_ptr<ConsulMesh> makeMesh(const MeshConfig& c) {
        auto m = ConsulMesh::create(*client_, c);
        if (!m) {
            qFatal("mesh: %s", m.error().toString().c_str());
        }
        return std::move(*m);
    }
    // A template whose "proxy" is a harmless long-running stand-in.
    static ServiceTemplate sleeperTemplate(const ConsulMesh& mesh) {
        ServiceTemplate t = mesh.defaultTemplate();
        t.proxy = std::vector<std::string>{"sleep", "60"};
        return t;
    }
    int healthStatus(const std::string& id) {
        auto h = client_->call(ep::agentHealthById(id));
        return h ? h->httpStatus : -1;
    }
    bool registered(const std::string& id) { return client_->call(ep::agentService(id)).ok(); }

  private slots:
    void initTestCase() {
        agent_ = std::make_unique<AgentProcess>(0);
        QVERIFY2(agent_->ok(), qPrintable(agent_->output()));
        MeshConfig c;
        c.agent = *AgentEndpoint::parse(agent_->address().toStdString());
        client_ = std::move(*consul::ConsulClient::create(c));
    }

    void startPassesAndStopCleansUp() {
        auto mesh = makeMesh(config());
        auto started = mesh->start(ServiceParams::named("web"), sleeperTemplate(*mesh), false,
                                   std::chrono::milliseconds(5000));
        QVERIFY2(started.ok(), started.ok() ? "" : started.error().toString().c_str());
        const std::string id = "web-" + shortHostname();
        QCOMPARE(started->serviceId, id);
        QCOMPARE(started->address.host(), std::string("127.0.0.1"));
        QVERIFY(started->address.port() >= 20000 && started->address.port() <= 20999);
        QCOMPARE(healthStatus(id), 200);
        QCOMPARE(mesh->list(), std::vector<std::string>{id});
        QVERIFY(registered(id + "-sidecar-proxy"));

        auto info = mesh->info(id);
        QVERIFY(info.ok());
        QCOMPARE((*info)["ID"], json(id));
        auto pinfo = mesh->proxyInfo(id);
        QVERIFY(pinfo.ok());
        QCOMPARE(pinfo->argv, (std::vector<std::string>{"sleep", "60"}));
        QVERIFY(pinfo->pid > 0);

        QCOMPARE(*mesh->ttlStatus(id), std::string("passing"));
        QVERIFY(mesh->setTtlStatus(id, "warning").ok());
        QTRY_COMPARE_WITH_TIMEOUT(healthStatus(id), 429, 5000);
        QCOMPARE(mesh->setTtlStatus(id, "bogus").error().code, Code::InvalidArgument);
        QVERIFY(mesh->setTtlStatus(id, "passing").ok());
        QTRY_COMPARE_WITH_TIMEOUT(healthStatus(id), 200, 5000);

        QVERIFY(mesh->stop(id).ok());
        QVERIFY(!registered(id));
        QVERIFY(!registered(id + "-sidecar-proxy"));
        QVERIFY(mesh->list().empty());
        QCOMPARE(mesh->stop(id).error().code, Code::ServiceNotOwned);
        // The stand-in proxy is gone with the service.
        QTRY_VERIFY_WITH_TIMEOUT(::kill(static_cast<pid_t>(pinfo->pid), 0) != 0, 5000);
    }

    void lifecycleStepsArePublished() {
        auto sub = telemetry::TelemetryBus::global().subscribe(10000);
        auto mesh = makeMesh(config());
        auto started = mesh->start(ServiceParams::namedWithId("ev", "ev-1"), sleeperTemplate(*mesh),
                                   false, std::chrono::milliseconds(5000));
        QVERIFY(started.ok());
        QVERIFY(mesh->setTtlStatus("ev-1", "warning").ok());
        QVERIFY(mesh->stop("ev-1").ok());

        // Each step of the start, the status change and the stop, in order, for ev-1 (a stopped
        // proxy reports its exit, then that the stop is complete).
        std::vector<std::string> names;
        std::vector<telemetry::Event> drained;
        sub->drain(drained);
        for (const auto& e : drained) {
            auto le = telemetry::LifecycleEvent::fromEvent(e);
            if (le && le->serviceId == "ev-1") {
                names.push_back(le->name);
            }
        }
        const std::vector<std::string> expected = {telemetry::LifecycleEvent::kServiceRegistered,
                                                   telemetry::LifecycleEvent::kProxyStarted,
                                                   telemetry::LifecycleEvent::kTtlStatus,
                                                   telemetry::LifecycleEvent::kProxyExited,
                                                   telemetry::LifecycleEvent::kProxyStopped,
                                                   telemetry::LifecycleEvent::kServiceDeregistered};
        std::string got;
        for (const auto& n : names) {
            got += n + " ";
        }
        QVERIFY2(names == expected, got.c_str());
    }

    void startTwiceAndOwnership() {
        auto a = makeMesh(config());
        auto b = makeMesh(config(21000, 21999));
        auto params = ServiceParams::namedWithId("svc-own", "svc-own-1");
        QVERIFY(a->start(params, sleeperTemplate(*a), false, std::chrono::milliseconds(5000)).ok());
        auto again = a->start(params, sleeperTemplate(*a), false, std::chrono::milliseconds(5000));
        QVERIFY(!again.ok());
        QCOMPARE(again.error().code, Code::AlreadyStarted);
        auto other = b->start(params, sleeperTemplate(*b), false, std::chrono::milliseconds(5000));
        QVERIFY(!other.ok());
        QCOMPARE(other.error().code, Code::ServiceNotOwned);
        QCOMPARE(b->stop("svc-own-1").error().code, Code::ServiceNotOwned);
        // Not owned by b: still a's and still passing.
        QCOMPARE(healthStatus("svc-own-1"), 200);

        QVERIFY(a->setTtlStatus("svc-own-1", "critical").ok());
        QTRY_COMPARE_WITH_TIMEOUT(healthStatus("svc-own-1"), 503, 5000);
        auto invalid =
            a->start(params, sleeperTemplate(*a), false, std::chrono::milliseconds(5000));
        QVERIFY(!invalid.ok());
        QCOMPARE(invalid.error().code, Code::InvalidState);
        QVERIFY(a->stop("svc-own-1").ok());
    }

    void forceRegistrationTakesOver() {
        auto a = makeMesh(config());
        auto b = makeMesh(config(21000, 21999));
        auto params = ServiceParams::namedWithId("svc-force", "svc-force-1");
        QVERIFY(a->start(params, sleeperTemplate(*a), false, std::chrono::milliseconds(5000)).ok());
        auto forced = b->start(params, sleeperTemplate(*b), true, std::chrono::milliseconds(5000));
        QVERIFY2(forced.ok(), forced.ok() ? "" : forced.error().toString().c_str());
        QCOMPARE(b->list(), std::vector<std::string>{"svc-force-1"});
        QVERIFY(b->stop("svc-force-1").ok());
        a.reset();
    }

    void aliveTimeoutRollsBack() {
        auto mesh = makeMesh(config());
        ServiceTemplate t = sleeperTemplate(*mesh);
        t.ttl.reset();  // nobody passes the TTL check: the service never passes
        auto r = mesh->start(ServiceParams::namedWithId("svc-late", "svc-late-1"), t, false,
                             std::chrono::milliseconds(400));
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, Code::ServiceAliveTimeout);
        QVERIFY(!registered("svc-late-1"));
        QVERIFY(!registered("svc-late-1-sidecar-proxy"));
        QVERIFY(mesh->list().empty());
    }

    void failingProxyRollsBack() {
        auto mesh = makeMesh(config());
        ServiceTemplate missing = mesh->defaultTemplate();
        missing.proxy =
            std::vector<std::string>{"/nonexistent/meshx-proxy", "-sidecar-for", "{{id}}"};
        auto r = mesh->start(ServiceParams::namedWithId("svc-np", "svc-np-1"), missing, false,
                             std::chrono::milliseconds(3000));
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, Code::ProxyFailed);
        QVERIFY(QString::fromStdString(r.error().message).contains("/nonexistent/meshx-proxy"));
        QVERIFY(!registered("svc-np-1"));

        // A proxy that exits before its service passes fails the start, and its exit ends the
        // wait at once. (The first TTL update goes out at once, so a service with a working
        // TTL may pass before such a proxy is done exiting: that exit is then the supervisor's
        // to restart, like any later one. Without the TTL worker the check stays critical and
        // only the exit can end this wait.)
        ServiceTemplate crashing = mesh->defaultTemplate();
        crashing.ttl.reset();
        crashing.proxy = std::vector<std::string>{"sh", "-c", "echo dying; exit 3"};
        auto c = mesh->start(ServiceParams::namedWithId("svc-crash", "svc-crash-1"), crashing,
                             false, std::chrono::milliseconds(10000));
        QVERIFY(!c.ok());
        QCOMPARE(c.error().code, Code::ProxyFailed);
        QVERIFY(QString::fromStdString(c.error().message).contains("exit code 3"));
        QVERIFY(!registered("svc-crash-1"));
        QVERIFY(mesh->list().empty());
    }

    void proxyRestartCounts() {
        auto mesh = makeMesh(config());
        auto r = mesh->start(ServiceParams::namedWithId("svc-rs", "svc-rs-1"),
                             sleeperTemplate(*mesh), false, std::chrono::milliseconds(5000));
        QVERIFY(r.ok());
        const auto first = mesh->proxyInfo("svc-rs-1")->pid;
        QVERIFY(mesh->proxyRestart("svc-rs-1").ok());
        QTRY_VERIFY_WITH_TIMEOUT(
            mesh->proxyInfo("svc-rs-1")->pid != first && mesh->proxyInfo("svc-rs-1")->pid > 0,
            10000);
        // An unexpected exit counts as a restart.
        ::kill(static_cast<pid_t>(mesh->proxyInfo("svc-rs-1")->pid), SIGKILL);
        QTRY_COMPARE_WITH_TIMEOUT(mesh->proxyInfo("svc-rs-1")->restarts, 1, 10000);
        QVERIFY(QString::fromStdString(mesh->proxyInfo("svc-rs-1")->lastExitReason)
                    .contains("signal 9"));
        QVERIFY(mesh->stop("svc-rs-1").ok());
    }

    // disconnect --restart says when the restart it was asked for did not happen. The fault is
    // real: the proxy's binary disappears and the proxy dies, so the supervisor spends its
    // restarts and gives up, and the restart disconnect asks for cannot launch it either.
    void disconnectReportsAFailedRestart() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString binary = dir.filePath("vanishing-proxy");
        {
            QFile f(binary);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("#!/bin/sh\nexec sleep 60\n");
            f.setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
        }
        MeshConfig c = config(23000, 23999);
        c.templates["vanishing"] = json{{"proxy", json::array({binary.toStdString()})}}.dump();
        c.proxyTemplate = "vanishing";
        auto mesh = makeMesh(c);
        const ProxyService proxy{"upstream-vanish", "upstream-vanish"};
        auto r =
            mesh->connect({json("service1"), json("service2")}, defaultUpstreamTemplate(), proxy);
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().toString().c_str());
        const int64_t pid = mesh->proxyInfo("upstream-vanish")->pid;
        QVERIFY(pid > 0);

        // While the proxy runs, the restart is accepted and a new process follows.
        auto first = mesh->disconnect({"service1"}, "upstream-vanish", true);
        QVERIFY2(first.ok(), first.ok() ? "" : first.error().toString().c_str());
        QCOMPARE(*first, std::vector<std::string>{"service1"});
        QTRY_VERIFY_WITH_TIMEOUT(mesh->proxyInfo("upstream-vanish")->pid > 0 &&
                                     mesh->proxyInfo("upstream-vanish")->pid != pid,
                                 20000);

        QVERIFY(QFile::remove(binary));
        ::kill(static_cast<pid_t>(mesh->proxyInfo("upstream-vanish")->pid), SIGKILL);
        QTRY_VERIFY_WITH_TIMEOUT(mesh->proxyInfo("upstream-vanish")->state == ProxyState::GaveUp,
                                 20000);
        auto second = mesh->disconnect({"service2"}, "upstream-vanish", true);
        QVERIFY(!second.ok());
        QCOMPARE(second.error().code, Code::ProxyFailed);
        const QString message = QString::fromStdString(second.error().message);
        QVERIFY2(
            message.contains("could not restart its proxy") && message.contains("vanishing-proxy"),
            qPrintable(message));
        // The upstream is removed all the same.
        QVERIFY(mesh->listUpstream("upstream-vanish")->empty());
        QVERIFY(mesh->stop("upstream-vanish").ok());
    }

    void connectAndDisconnectUpstreams() {
        auto mesh = makeMesh(config(22000, 22999));
        const ProxyService proxy{"upstream-test", "upstream-test"};
        auto r =
            mesh->connect({json("service1"), json("service2")}, defaultUpstreamTemplate(), proxy);
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().toString().c_str());
        QCOMPARE(r->size(), size_t(2));
        QVERIFY((*r)[0].ok() && (*r)[1].ok());
        QCOMPARE((*r)[0]->port(), uint16_t(22999));  // upstreams count down from the top
        QCOMPARE((*r)[1]->port(), uint16_t(22998));
        QVERIFY(mesh->list() == std::vector<std::string>{"upstream-test"});
        QCOMPARE(*mesh->listUpstream("upstream-test"),
                 (std::vector<std::string>{"service1", "service2"}));
        auto sidecar = client_->call(ep::agentService("upstream-test-sidecar-proxy"));
        QVERIFY(sidecar.ok());
        QCOMPARE(sidecar->proxy->upstreams.size(), size_t(2));
        QCOMPARE(sidecar->proxy->upstreams[0].localBindPort, 22999);

        // Connecting an upstream already present keeps its address.
        auto again =
            mesh->connect({json("service1"), json("service3")}, defaultUpstreamTemplate(), proxy);
        QVERIFY(again.ok());
        QCOMPARE((*again)[0]->port(), uint16_t(22999));
        QCOMPARE((*again)[1]->port(), uint16_t(22997));

        auto removed = mesh->disconnect({"service1", "nope"}, "upstream-test", false);
        QVERIFY(removed.ok());
        QCOMPARE(*removed, std::vector<std::string>{"service1"});
        QCOMPARE(*mesh->listUpstream("upstream-test"),
                 (std::vector<std::string>{"service2", "service3"}));
        QCOMPARE(mesh->listUpstream("not-existing").error().code, Code::ServiceNotOwned);
        QVERIFY(mesh->stop("upstream-test").ok());
        QVERIFY(!registered("upstream-test-sidecar-proxy"));
    }

    void badTemplatesLeaveNothing() {
        auto mesh = makeMesh(config());
        ServiceTemplate noName = sleeperTemplate(*mesh);
        noName.registration.erase("Name");
        auto r = mesh->start(ServiceParams::namedWithId("x", "svc-noname"), noName, false,
                             std::chrono::milliseconds(1000));
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, Code::InvalidArgument);
        QVERIFY(QString::fromStdString(r.error().message).contains("Name"));

        ServiceTemplate missingKey = sleeperTemplate(*mesh);
        missingKey.registration["Meta"] = {{"team", "{{team}}"}};
        auto m = mesh->start(ServiceParams::namedWithId("x", "svc-mk"), missingKey, false,
                             std::chrono::milliseconds(1000));
        QVERIFY(!m.ok());
        QCOMPARE(m.error().code, Code::MissingKey);
        QVERIFY(QString::fromStdString(m.error().message).contains("team"));
        QVERIFY(!registered("svc-mk"));

        auto empty = mesh->start(ServiceParams::named(""), sleeperTemplate(*mesh), false,
                                 std::chrono::milliseconds(1000));
        QVERIFY(!empty.ok());
        QCOMPARE(empty.error().code, Code::InvalidArgument);

        // Names and IDs that would break agent URL paths are refused before anything is sent.
        for (const auto& [name, id] :
             std::vector<std::pair<std::string, std::string>>{{"a/b", "ok-id"},
                                                              {"web", "web 1"},
                                                              {"web", "web?x"},
                                                              {"w\x01b", "w-1"},
                                                              {"web", std::string(300, 'w')}}) {
            auto bad = mesh->start(ServiceParams::namedWithId(name, id), sleeperTemplate(*mesh),
                                   false, std::chrono::milliseconds(1000));
            QVERIFY2(!bad.ok(), id.c_str());
            QCOMPARE(bad.error().code, Code::InvalidArgument);
            QVERIFY(!registered(id));
        }
        QVERIFY(mesh->list().empty());
    }

    void portRangeExhausted() {
        QTcpServer holder;
        QVERIFY(holder.listen(QHostAddress::LocalHost, 0));
        const auto port = static_cast<uint16_t>(holder.serverPort());
        auto mesh = makeMesh(config(port, port));
        auto r = mesh->start(ServiceParams::namedWithId("x", "svc-ports"), sleeperTemplate(*mesh),
                             false, std::chrono::milliseconds(1000));
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, Code::PortRangeExhausted);
        QVERIFY(!registered("svc-ports"));
    }

    void unreachableAgent() {
        QTcpServer closed;
        QVERIFY(closed.listen(QHostAddress::LocalHost, 0));
        const auto port = closed.serverPort();
        closed.close();
        MeshConfig c = config();
        c.agent = *AgentEndpoint::parse("127.0.0.1:" + std::to_string(port));
        auto client = std::move(*consul::ConsulClient::create(c));
        auto mesh = std::move(*ConsulMesh::create(*client, c));
        auto r = mesh->start(ServiceParams::named("web"), sleeperTemplate(*mesh), false,
                             std::chrono::milliseconds(1000));
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, Code::AgentUnreachable);
        QVERIFY(mesh->list().empty());
    }

    void reregistersAfterAgentRestart() {
        AgentProcess own(0);
        QVERIFY(own.ok());
        MeshConfig c = config();
        c.agent = *AgentEndpoint::parse(own.address().toStdString());
        auto client = std::move(*consul::ConsulClient::create(c));
        auto mesh = std::move(*ConsulMesh::create(*client, c));
        auto r = mesh->start(ServiceParams::namedWithId("svc-rr", "svc-rr-1"),
                             sleeperTemplate(*mesh), false, std::chrono::milliseconds(5000));
        QVERIFY(r.ok());
        auto up = mesh->connect({json("svc-x")}, defaultUpstreamTemplate(),
                                ProxyService{"up-rr", "up-rr"});
        QVERIFY(up.ok());
        const int port = own.port();
        own.kill();
        AgentProcess restarted(port);  // same address, empty state
        QVERIFY2(restarted.ok(), qPrintable(restarted.output()));
        QTRY_VERIFY_WITH_TIMEOUT(client->call(ep::agentHealthById("svc-rr-1")).ok() &&
                                     client->call(ep::agentHealthById("svc-rr-1"))->passing(),
                                 10000);
        QTRY_VERIFY_WITH_TIMEOUT(
            mesh->listUpstream("up-rr").ok() &&
                *mesh->listUpstream("up-rr") == std::vector<std::string>{"svc-x"},
            10000);
        QVERIFY(mesh->reregistrations("svc-rr-1") >= 1);
        mesh->stopAll();
    }
};

QTEST_GUILESS_MAIN(TestConsulMesh)
#include "test_consul_mesh.moc"
