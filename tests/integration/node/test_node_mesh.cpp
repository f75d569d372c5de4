#include "meshx_test.h"

#include <unistd.h>

#include <QElapsedTimer>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <algorithm>
#include <csignal>
#include <optional>
#include <thread>

#include <nlohmann/json.hpp>

#include "agent_process.h"
#include "consul/agent_endpoints.h"
#include "consul/catalog_endpoints.h"
#include "consul/consul_client.h"
#include "erl_peer.h"
#include "mesh/consul_mesh.h"
#include "node/node.h"
#include "node/node_error.h"
#include "served_erl.h"

using namespace meshx;
using namespace meshx::node;
using namespace std::chrono_literals;
using nlohmann::json;
namespace ep = meshx::consul::endpoints;

namespace {

QString randomCookie() {
    return QStringLiteral("meshx-cookie-%1").arg(QRandomGenerator::global()->generate64(), 0, 16);
}

QString text(const Result<Term>& r) {
    return r ? QString::fromStdString(r->toString())
             : QStringLiteral("ERROR ") + QString::fromStdString(r.error().toString());
}

std::optional<PeerInfo> findPeer(const Node& node, const std::string& name) {
    for (const auto& p : node.list()) {
        if (p.name == name) {
            return p;
        }
    }
    return std::nullopt;
}

// "\"12345\"" (os:getpid/0 printed) -> 12345.
qint64 pidOf(const Result<Term>& r) {
    return r ? QString::fromStdString(r->toString()).remove(QLatin1Char('"')).toLongLong() : -1;
}

// Sidecar public ports come from the agent's range (Consul's 21000..21255 by default), given
// out without looking whether something else listens there; on a machine shared with other
// agents that is a real risk. A block of ports nothing listens on, below the ephemeral range.
int freeSidecarBlock(int size) {
    for (int i = 0; i < 100; ++i) {
        const int base = 27000 + ((getpid() + i) % 100) * size;
        bool free = true;
        for (int port = base; port < base + size && free; ++port) {
            QTcpServer probe;
            free = probe.listen(QHostAddress::Any, static_cast<quint16>(port));
        }
        if (free) {
            return base;
        }
    }
    return 21000;
}

}  // namespace

// Issue 7 end to end: our node and real `erl` peers as mesh services of a real meshx-agent,
// every byte between them through two real meshx-proxy sidecars (mTLS), no EPMD anywhere.
// The peers run under real `meshx serve` processes; our node runs through the library (the
// engine in this process) and through `meshx node --json`.
class TestNodeMesh : public QObject {
    Q_OBJECT

    std::unique_ptr<AgentProcess> agent_;
    std::unique_ptr<consul::ConsulClient> client_;
    QTemporaryDir dir_;
    QString configPath_;  // port range of the meshx serve / meshx node processes
    QString cookie_ = randomCookie();

    MeshConfig meshConfig() const {
        MeshConfig c;
        c.agent = *AgentEndpoint::parse(agent_->address().toStdString());
        c.portRangeMin = 26500;
        c.portRangeMax = 26999;
        return c;
    }

    std::unique_ptr<mesh::ConsulMesh> makeMesh() {
        auto m = mesh::ConsulMesh::create(*client_, meshConfig());
        if (!m) {
            qFatal("mesh: %s", m.error().toString().c_str());
        }
        return std::move(*m);
    }

    NodeMeshSettings settings(mesh::ConsulMesh& mesh) {
        NodeMeshSettings s;
        s.serviceTemplate = mesh.defaultTemplate();
        s.startTimeout = 30s;  // a loaded machine
        s.catalog = client_.get();
        return s;
    }

    bool registered(const std::string& id) { return client_->call(ep::agentService(id)).ok(); }

    // Instances of `service` whose sidecar passes: what our sidecar may pick.
    int passingInstances(const std::string& service) {
        ep::HealthQuery q;
        q.passing = true;
        auto r = client_->call(ep::healthConnect(service, q));
        return r ? static_cast<int>(r->value.size()) : -1;
    }

    bool startPeer(ServedErl& peer, const QString& service, const QString& id,
                   const QString& cookie, const QString& eval = {}) {
        return peer.start(agent_->address(), configPath_, service, id, service, cookie, eval);
    }

    static bool allGone(const std::vector<qint64>& pids) {
        for (qint64 p : pids) {
            if (ServedErl::parentOf(p) != -1) {
                return false;
            }
        }
        return true;
    }

  private slots:
    void initTestCase() {
        const int sidecarBase = freeSidecarBlock(40);
        agent_ = std::make_unique<AgentProcess>(
            0, QStringList{"-sidecar-min-port", QString::number(sidecarBase), "-sidecar-max-port",
                           QString::number(sidecarBase + 39)});
        QVERIFY2(agent_->ok(), qPrintable(agent_->output()));
        MeshConfig c;
        c.agent = *AgentEndpoint::parse(agent_->address().toStdString());
        client_ = std::move(*consul::ConsulClient::create(c));
        configPath_ = dir_.filePath(QStringLiteral("config.json"));
        QFile f(configPath_);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QByteArray::fromStdString(
            json{{"port_range", {{"min", 26000}, {"max", 26499}}}}.dump()));
    }

    // The seed's E1: node cli@h11 started through the mesh, a real erl peer served through the
    // mesh, connect, list, rpc of erlang:node/0 and os:getpid/0, an erlang:spawn; services and
    // upstreams as the engine lists them; typed errors for bad input; stop cleans up.
    void e1NodeAndServedPeerThroughTheMesh() {
        ServedErl peer;
        QVERIFY2(startPeer(peer, "e1peer@any", "e1peer@any-h12", cookie_),
                 qPrintable(peer.output()));
        QTRY_VERIFY_WITH_TIMEOUT(passingInstances("e1peer@any") == 1, 30000);

        auto mesh = makeMesh();
        Node node(*mesh, settings(*mesh));
        QVERIFY2(node.start("cli@h11", cookie_.toStdString()).ok(), "start through the mesh");
        QCOMPARE(node.serviceId().value_or(""), std::string("cli@h11"));
        QCOMPARE(mesh->list(), std::vector<std::string>{"cli@h11"});
        QVERIFY(registered("cli@h11"));
        QVERIFY(registered("cli@h11-sidecar-proxy"));
        // The node listens where the mesh told its sidecar to deliver.
        auto sidecar = client_->call(ep::agentService("cli@h11-sidecar-proxy"));
        QVERIFY(sidecar.ok());
        QCOMPARE(node.listenAddress()->port(),
                 sidecar->raw["Proxy"]["LocalServicePort"].get<uint16_t>());
        QCOMPARE(node.start("cli@h11", cookie_.toStdString()).error().code, Code::AlreadyStarted);

        QVERIFY(node.connect("e1peer@any").ok());
        auto listed = findPeer(node, "e1peer@any");
        QVERIFY(listed.has_value());
        QCOMPARE(listed->direction, PeerDirection::Outgoing);
        QCOMPARE(listed->handshakes, uint64_t(1));
        // Dialled through the upstream on our own node service's sidecar.
        auto upstreams = mesh->listUpstream("cli@h11");
        QVERIFY(upstreams.ok());
        QCOMPARE(*upstreams, std::vector<std::string>{"e1peer@any"});
        QVERIFY2(QRegularExpression("^tcp://127\\.0\\.0\\.1:269\\d\\d$")
                     .match(QString::fromStdString(listed->endpoint))
                     .hasMatch(),
                 listed->endpoint.c_str());

        QCOMPARE(text(node.rpc("e1peer@any", "erlang", "node", "[]")),
                 QStringLiteral("e1peer@any"));
        // os:getpid/0 is the erl that meshx serve runs.
        auto pid = node.rpc("e1peer@any", "os", "getpid", "[]");
        QVERIFY2(pid.ok(), qPrintable(text(pid)));
        QCOMPARE(ServedErl::parentOf(pidOf(pid)), peer.processId());
        QVERIFY(ServedErl::commandOf(pidOf(pid)).startsWith(QStringLiteral("beam")));
        auto spawned = node.spawn("e1peer@any", "timer", "sleep", "[60000]");
        QVERIFY2(spawned.ok(), qPrintable(text(spawned)));
        QVERIFY2(QRegularExpression("^<0\\.\\d+\\.\\d+>$")
                     .match(QString::fromStdString(spawned->toString()))
                     .hasMatch(),
                 qPrintable(text(spawned)));
        auto processes = node.rpc("e1peer@any", "erlang", "processes", "[]");
        QVERIFY(processes.ok());
        QVERIFY(processes->toString().find(spawned->toString()) != std::string::npos);
        QCOMPARE(text(node.rpc("e1peer@any", "lists", "reverse", "[[1, {two}, \"three\"]]")),
                 QStringLiteral("[\"three\",{two},1]"));

        // A figure for the record: sequential rpc round trips through both sidecars (mTLS).
        {
            std::vector<double> ms;
            for (int i = 0; i < 50; ++i) {
                QElapsedTimer t;
                t.start();
                QVERIFY(node.rpc("e1peer@any", "erlang", "node", "[]").ok());
                ms.push_back(static_cast<double>(t.nsecsElapsed()) / 1e6);
            }
            std::sort(ms.begin(), ms.end());
            qInfo("rpc erlang:node/0 through the mesh: p50 %.3f ms, p90 %.3f ms (50 calls)", ms[25],
                  ms[45]);
        }

        // Bad input: typed errors, and the node keeps running.
        auto badarg = node.rpc("e1peer@any", "erlang", "list_to_integer", "[\"abc\"]");
        QCOMPARE(badarg.error().code, Code::RemoteError);
        QVERIFY2(remoteExceptionReason(badarg.error()).value_or("").starts_with("{'EXIT',{badarg,"),
                 badarg.error().message.c_str());
        auto malformed = node.rpc("e1peer@any", "lists", "reverse", "[[1, 2]");
        QCOMPARE(malformed.error().code, Code::ParseError);
        auto unknown = node.rpc("ghost@nowhere", "erlang", "node", "[]");
        QCOMPARE(unknown.error().code, Code::NotFound);
        QVERIFY2(unknown.error().message.find("ghost@nowhere") != std::string::npos,
                 unknown.error().message.c_str());
        QCOMPARE(*mesh->listUpstream("cli@h11"), std::vector<std::string>{"e1peer@any"});
        QCOMPARE(text(node.rpc("e1peer@any", "erlang", "node", "[]")),
                 QStringLiteral("e1peer@any"));

        // disconnect closes the connection and removes the upstream; connect adds both again.
        QVERIFY(node.disconnect("e1peer@any").ok());
        QVERIFY(!findPeer(node, "e1peer@any").has_value());
        QVERIFY(mesh->listUpstream("cli@h11")->empty());
        QCOMPARE(node.disconnect("e1peer@any").error().code, Code::NotFound);
        QCOMPARE(text(node.rpc("e1peer@any", "erlang", "node", "[]")),
                 QStringLiteral("e1peer@any"));
        QCOMPARE(findPeer(node, "e1peer@any")->handshakes, uint64_t(2));
        QCOMPARE(*mesh->listUpstream("cli@h11"), std::vector<std::string>{"e1peer@any"});

        // stop: the node service and its sidecar leave the agent.
        node.stop();
        QVERIFY(mesh->list().empty());
        QVERIFY(!registered("cli@h11"));
        QVERIFY(!registered("cli@h11-sidecar-proxy"));
        QCOMPARE(node.connect("e1peer@any").error().code, Code::InvalidState);
    }

    // The seed's E2: two erl peers serve service@any; an rpc says which one answered; kill that
    // one's meshx serve (erl and its sidecar go with it); the next rpc is answered by the other
    // after a fresh handshake; a peer with another cookie is refused with a clear error.
    void e2FailoverBetweenTwoServedPeers() {
        ServedErl first;
        ServedErl second;
        // Each instance can tell who it is, beyond its (shared) node name.
        QVERIFY2(startPeer(first, "service@any", "service@any-h12", cookie_,
                           "application:set_env(kernel, meshx_instance, h12)"),
                 qPrintable(first.output()));
        QVERIFY2(startPeer(second, "service@any", "service@any-h13", cookie_,
                           "application:set_env(kernel, meshx_instance, h13)"),
                 qPrintable(second.output()));
        QTRY_VERIFY_WITH_TIMEOUT(passingInstances("service@any") == 2, 30000);

        auto mesh = makeMesh();
        Node node(*mesh, settings(*mesh));
        QVERIFY(node.start("cli@h11", cookie_.toStdString()).ok());
        const std::string service = "service@any";
        QCOMPARE(text(node.rpc(service, "erlang", "node", "[]")), QStringLiteral("service@any"));
        auto answered = node.rpc(service, "application", "get_env", "[kernel, meshx_instance]");
        QVERIFY2(answered.ok(), qPrintable(text(answered)));
        const bool firstAnswered = answered->toString() == "{ok,h12}";
        QVERIFY2(firstAnswered || answered->toString() == "{ok,h13}", qPrintable(text(answered)));
        ServedErl& gone = firstAnswered ? first : second;
        ServedErl& other = firstAnswered ? second : first;
        const QString otherInstance = firstAnswered ? "{ok,h13}" : "{ok,h12}";
        QCOMPARE(ServedErl::parentOf(pidOf(node.rpc(service, "os", "getpid", "[]"))),
                 gone.processId());
        QCOMPARE(findPeer(node, service)->handshakes, uint64_t(1));

        // Kill its meshx serve outright: erl and the sidecar must go down with it.
        const auto goneChildren = gone.children();
        QVERIFY(goneChildren.size() >= 2);  // erl and meshx-proxy
        QElapsedTimer failover;
        failover.start();
        gone.kill();
        QTRY_VERIFY_WITH_TIMEOUT(allGone(goneChildren), 20000);
        // Our sidecar's connection to it broke, so ours did: the node notices on its own.
        QTRY_VERIFY_WITH_TIMEOUT(!findPeer(node, service).has_value(), 20000);

        auto next = node.rpc(service, "application", "get_env", "[kernel, meshx_instance]");
        QCOMPARE(text(next), otherInstance);
        qInfo("failover: kill to the other instance's answer in %lld ms", failover.elapsed());
        QCOMPARE(ServedErl::parentOf(pidOf(node.rpc(service, "os", "getpid", "[]"))),
                 other.processId());
        QCOMPARE(findPeer(node, service)->handshakes, uint64_t(2));
        QCOMPARE(*mesh->listUpstream("cli@h11"), std::vector<std::string>{service});

        // An impostor with another cookie joins service@any, the good one leaves (SIGTERM:
        // deregistered): the reconnect is refused by the handshake, clearly, without cookies.
        const QString otherCookie = randomCookie();
        ServedErl impostor;
        QVERIFY2(startPeer(impostor, "service@any", "service@any-h14", otherCookie),
                 qPrintable(impostor.output()));
        other.signal(SIGTERM);
        QVERIFY(other.waitFinished(30000));
        QTRY_VERIFY_WITH_TIMEOUT(!findPeer(node, service).has_value(), 20000);
        QTRY_VERIFY_WITH_TIMEOUT(!registered(firstAnswered ? "service@any-h13" : "service@any-h12"),
                                 20000);
        // Until the upstream sidecar routes to the impostor (its health, or a passive ejection of
        // an instance that failed a moment ago) the call finds no peer; once it does, the
        // handshake must refuse it.
        auto refused = node.rpc(service, "erlang", "node", "[]");
        QDeadlineTimer routed(20000);
        while (!refused.ok() && refused.error().code == Code::NotFound && !routed.hasExpired()) {
            QTest::qWait(250);
            refused = node.rpc(service, "erlang", "node", "[]");
        }
        QVERIFY(!refused.ok());
        QCOMPARE(refused.error().code, Code::PermissionDenied);
        QVERIFY2(refused.error().message.starts_with(kWrongCookie),
                 refused.error().message.c_str());
        QVERIFY(refused.error().message.find(cookie_.toStdString()) == std::string::npos);
        QVERIFY(refused.error().message.find(otherCookie.toStdString()) == std::string::npos);
        QVERIFY(node.isStarted());
        node.stop();
    }

    // A peer dying in the middle of a call through the mesh: Closed, and the node runs on.
    void peerDyingMidCallThroughTheMesh() {
        ServedErl peer;
        QString gate =
            "register(gate, spawn(fun G() -> receive {'$gen_call', _, _} -> "
            "io:format(\"gate-entered~n\"), G() end end))";
        QVERIFY2(startPeer(peer, "dying@any", "dying@any-h12", cookie_, gate),
                 qPrintable(peer.output()));
        QTRY_VERIFY_WITH_TIMEOUT(passingInstances("dying@any") == 1, 30000);
        auto mesh = makeMesh();
        Node node(*mesh, settings(*mesh));
        QVERIFY(node.start("cli@h11", cookie_.toStdString()).ok());
        auto connected = node.connect("dying@any");
        QVERIFY2(
            connected.ok(),
            qPrintable((connected.ok() ? QString()
                                       : QString::fromStdString(connected.error().toString())) +
                       peer.output()));

        std::optional<Result<Term>> result;
        std::thread caller([&] {
            result = node.rpc("dying@any", "gen_server", "call", "[gate, hello, infinity]", 120s);
        });
        bool entered = peer.waitForOutput("gate-entered", 60000);
        peer.kill();
        caller.join();
        QVERIFY2(entered, qPrintable(peer.output()));
        QVERIFY(result.has_value());
        QCOMPARE(result->error().code, Code::Closed);
        QVERIFY(node.isStarted());
        QTRY_VERIFY_WITH_TIMEOUT(!findPeer(node, "dying@any").has_value(), 20000);
        // Killed outright, it could not deregister: once its TTL check runs out the node is
        // unknown to the mesh, and the node still serves calls.
        QTRY_VERIFY_WITH_TIMEOUT(passingInstances("dying@any") == 0, 60000);
        auto again = node.rpc("dying@any", "erlang", "node", "[]");
        QCOMPARE(again.error().code, Code::NotFound);
        QVERIFY(node.isStarted());
        QVERIFY(registered("cli@h11"));
    }

    // The other direction: an erl node dials ours through the mesh. Its side is an upstream to
    // our node service on a proxy service of its own (as a MeshxNode peer would have); the
    // handshake reaches our listener through both sidecars, and the cookie is checked there.
    void incomingPeerThroughTheMesh() {
        auto mesh = makeMesh();
        Node node(*mesh, settings(*mesh));
        const std::string self = "cli@127.0.0.1";
        QVERIFY(node.start(self, cookie_.toStdString()).ok());
        QTRY_VERIFY_WITH_TIMEOUT(passingInstances(self) == 1, 30000);
        auto upstream = mesh->connect({json(self)}, mesh::defaultUpstreamTemplate(),
                                      {"erl-in-proxy", "erl-in-proxy"});
        QVERIFY(upstream.ok() && upstream->size() == 1 && (*upstream)[0].ok());
        const quint16 port = (*upstream)[0]->port();
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                QTcpSocket s;
                s.connectToHost(QHostAddress::LocalHost, port);
                return s.waitForConnected(1000);
            }(),
            30000);

        const QString eval = QStringLiteral(
                                 "R = net_kernel:connect_node('%1'), "
                                 "io:format(\"connect=~p~n\", [R]), "
                                 "{meshx, '%1'} ! {hello, node()}")
                                 .arg(QString::fromStdString(self));
        ErlPeer in;
        QVERIFY2(in.startDialling("in@127.0.0.1", cookie_, port, eval), qPrintable(in.output()));
        QVERIFY2(in.output().contains("connect=true"), qPrintable(in.output()));
        QTRY_VERIFY_WITH_TIMEOUT(findPeer(node, "in@127.0.0.1").has_value(), 20000);
        QCOMPARE(findPeer(node, "in@127.0.0.1")->direction, PeerDirection::Incoming);
        auto msg = node.receive(20s);
        QVERIFY(msg.has_value());
        QCOMPARE(msg->term.toString(), std::string("{hello,'in@127.0.0.1'}"));
        // Our rpc rides the incoming connection (no upstream needed for it).
        QCOMPARE(text(node.rpc("in@127.0.0.1", "erlang", "node", "[]")),
                 QStringLiteral("'in@127.0.0.1'"));
        QCOMPARE(node.rpc("in@127.0.0.1", "os", "getpid", "[]")->toString(),
                 "\"" + std::to_string(in.pid()) + "\"");

        const uint64_t refusedBefore = node.refusedHandshakes();
        ErlPeer bad;
        QVERIFY(bad.startDialling("bad@127.0.0.1", randomCookie(), port, eval));
        QVERIFY2(bad.output().contains("connect=false"), qPrintable(bad.output()));
        QTRY_VERIFY_WITH_TIMEOUT(node.refusedHandshakes() > refusedBefore, 20000);
        QVERIFY(!findPeer(node, "bad@127.0.0.1").has_value());
        QVERIFY(findPeer(node, "in@127.0.0.1").has_value());
    }

    // `meshx node --json` as a user drives it, against a served erl peer.
    void meshxNodeRepl() {
        ServedErl peer;
        QVERIFY2(startPeer(peer, "repl@any", "repl@any-h12", cookie_), qPrintable(peer.output()));
        QTRY_VERIFY_WITH_TIMEOUT(passingInstances("repl@any") == 1, 30000);

        QProcess cli;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("MESHX_CONFIG"), configPath_);
        env.insert(QStringLiteral("MESHX_NODE_COOKIE"), cookie_);  // not on the command line
        cli.setProcessEnvironment(env);
        cli.start(meshxBinary(QStringLiteral("meshx")),
                  {"node", "--name", "cli@h11", "--json", "--agent", agent_->address()});
        QVERIFY(cli.waitForStarted(10000));
        const QStringList commands = {"connect repl@any",
                                      "list",
                                      "rpc repl@any erlang node []",
                                      "rpc repl@any os getpid",
                                      "spawn repl@any timer sleep [60000]",
                                      "services",
                                      "rpc repl@any lists reverse [[1, {two}, \"three\"]]",
                                      "rpc repl@any lists reverse [[1, 2]",
                                      "rpc repl@any erlang list_to_integer [\"abc\"]",
                                      "rpc ghost@nowhere erlang node []",
                                      "",
                                      "bogus",
                                      "disconnect repl@any",
                                      "list",
                                      "quit"};
        cli.write((commands.join(QLatin1Char('\n')) + QLatin1Char('\n')).toUtf8());
        QVERIFY(cli.waitForFinished(120000));
        QCOMPARE(cli.exitCode(), 0);
        const QString out = QString::fromUtf8(cli.readAllStandardOutput());
        const QString err = QString::fromUtf8(cli.readAllStandardError());
        QVERIFY2(!out.contains(cookie_) && !err.contains(cookie_), "the cookie was printed");
        std::vector<json> r;
        for (const auto& line : out.split(QLatin1Char('\n'), Qt::SkipEmptyParts)) {
            r.push_back(json::parse(line.toStdString(), nullptr, false));
        }
        QCOMPARE(r.size(), size_t(14));
        QCOMPARE(r[0]["ok"], json(true));
        QCOMPARE(r[0]["node"], json("repl@any"));
        QCOMPARE(r[1]["nodes"][0]["name"], json("repl@any"));
        QCOMPARE(r[1]["nodes"][0]["direction"], json("outgoing"));
        QCOMPARE(r[2]["result"], json("repl@any"));
        const qint64 erlPid =
            QString::fromStdString(r[3]["result"].get<std::string>()).remove('"').toLongLong();
        QCOMPARE(ServedErl::parentOf(erlPid), peer.processId());
        QVERIFY(QString::fromStdString(r[4]["pid"].get<std::string>()).startsWith("<0."));
        QCOMPARE(r[5]["services"], json({"cli@h11"}));
        QCOMPARE(r[5]["upstreams"], json({"repl@any"}));
        QCOMPARE(r[6]["result"], json("[\"three\",{two},1]"));
        QCOMPARE(r[7]["error"], json("parse_error"));
        QCOMPARE(r[8]["error"], json("remote_error"));
        QVERIFY(r[8]["reason"].get<std::string>().starts_with("{'EXIT',{badarg,"));
        QCOMPARE(r[9]["error"], json("not_found"));
        QCOMPARE(r[10]["error"], json("invalid_argument"));
        QCOMPARE(r[11]["ok"], json(true));
        QCOMPARE(r[12]["nodes"], json::array());
        QCOMPARE(r[13]["bye"], json(true));
        QVERIFY2(err.contains("listening at tcp://127.0.0.1:"), qPrintable(err));
        // quit stopped the node service.
        QVERIFY(!registered("cli@h11"));
        QVERIFY(!registered("cli@h11-sidecar-proxy"));
    }

    // SIGTERM stops the node service too; a bad start is a clear error.
    void meshxNodeSigtermAndBadStart() {
        QProcess cli;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("MESHX_CONFIG"), configPath_);
        env.insert(QStringLiteral("MESHX_NODE_COOKIE"), cookie_);
        cli.setProcessEnvironment(env);
        cli.start(meshxBinary(QStringLiteral("meshx")),
                  {"node", "--name", "term@h11", "--json", "--agent", agent_->address()});
        QVERIFY(cli.waitForStarted(10000));
        QString err;
        QTRY_VERIFY_WITH_TIMEOUT(
            (err += QString::fromUtf8(cli.readAllStandardError()), err.contains("listening at")),
            60000);
        QVERIFY(registered("term@h11"));
        ::kill(static_cast<pid_t>(cli.processId()), SIGTERM);
        QVERIFY(cli.waitForFinished(30000));
        QCOMPARE(cli.exitCode(), 0);
        QVERIFY(!registered("term@h11"));
        QVERIFY(!registered("term@h11-sidecar-proxy"));

        auto noCookie = runProcess(meshxBinary(QStringLiteral("meshx")),
                                   {"node", "--name", "x@h", "--agent", agent_->address()});
        QCOMPARE(noCookie.exitCode, 2);
        QVERIFY2(noCookie.err.contains("cookie"), qPrintable(noCookie.err));
        auto badName = runProcess(
            meshxBinary(QStringLiteral("meshx")),
            {"node", "--name", "no-at-sign", "--cookie", cookie_, "--agent", agent_->address()});
        QCOMPARE(badName.exitCode, 2);
        QVERIFY2(badName.err.contains("invalid_argument"), qPrintable(badName.err));
        QVERIFY(!badName.err.contains(cookie_) && !badName.out.contains(cookie_));
        QVERIFY(!registered("no-at-sign"));
    }
};

QTEST_GUILESS_MAIN(TestNodeMesh)
#include "test_node_mesh.moc"
