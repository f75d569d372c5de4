// meshx-agent as a program: command line, ACLs on and off, unix socket, signals, logging.

#include <QTcpSocket>

#include <csignal>

#include "agent_client.h"
#include "agent_http.h"
#include "agent_process.h"
#include "consul/agent_endpoints.h"
#include "meshx_test.h"
#include "raw_http.h"

using nlohmann::json;
using namespace meshx::consul;

class TestAgentProcess : public QObject {
    Q_OBJECT

  private slots:
    void badFlagsExitOne() {
        auto r = runProcess(meshxBinary("meshx-agent"), {"-dev", "-nope"});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains("flag provided but not defined: -nope"), qPrintable(r.err));
        r = runProcess(meshxBinary("meshx-agent"), {"-dev", "-http-port", "x"});
        QCOMPARE(r.exitCode, 1);
        QVERIFY(r.err.contains("invalid value \"x\" for flag -http-port"));
        r = runProcess(meshxBinary("meshx-agent"), {"--version"});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.out.contains("0.1.0"));
    }

    void portInUseIsAnError() {
        AgentProcess first;
        QVERIFY(first.start());
        const QString port = first.address().section(':', -1);
        auto r = runProcess(meshxBinary("meshx-agent"), {"-dev", "-http-port", port});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains("Error starting agent"), qPrintable(r.err));
        QCOMPARE(first.stop(), 0);
    }

    void aclsOn() {
        const std::string token = "s3cret-master-token";
        AgentProcess agent;
        QVERIFY2(agent.start(
                     {"-acl-master-token", QString::fromStdString(token), "-log-level", "debug"}),
                 qPrintable(agent.output()));
        auto anonymous = agentClient(agent);
        Reply r = get(*anonymous, "/agent/self");
        QCOMPARE(r.status, 403);
        QCOMPARE(r.body, std::string("Permission denied: token with AccessorID "
                                     "'00000000-0000-0000-0000-000000000002' lacks permission "
                                     "'agent:read' on \"test-node\""));
        QCOMPARE(r.header("x-consul-default-acl-policy"), std::string("deny"));
        r = putJson(*anonymous, "/agent/service/register", json{{"Name", "web"}});
        QCOMPARE(r.status, 403);
        QVERIFY(r.body.find("lacks permission 'service:write' on \"web\"") != std::string::npos);
        auto wrong = agentClient(agent, "not-the-token");
        r = get(*wrong, "/agent/self");
        QCOMPARE(r.status, 403);
        QCOMPARE(r.body, std::string("ACL not found"));
        // X-Consul-Token (ConsulClient's header).
        auto master = agentClient(agent, token);
        QVERIFY(master->call(endpoints::agentSelf()).ok());
        QVERIFY(master->call(endpoints::registerService(json{{"Name", "web"}}, false)).ok());
        // Lists hide what the anonymous token may not see instead of failing.
        r = get(*anonymous, "/agent/services");
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json, json::object());
        r = get(*anonymous, "/catalog/services");
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json, json::object());
        // ?token= and Authorization: Bearer work as well.
        auto viaQuery = Request::get("/agent/services");
        viaQuery.param("token", token);
        r = send(*anonymous, viaQuery);
        QCOMPARE(r.status, 200);
        QVERIFY(r.json.contains("web"));
        const QString port = agent.address().section(':', -1);
        QTcpSocket s;
        s.connectToHost("127.0.0.1", static_cast<quint16>(port.toUInt()));
        QVERIFY(s.waitForConnected(5000));
        s.write(("GET /v1/agent/services HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token +
                 "\r\n\r\n")
                    .c_str());
        std::string buffer;
        auto rs = readResponses(s, buffer, 1);
        QCOMPARE(rs.size(), size_t{1});
        QCOMPARE(rs[0].status, 200);
        QVERIFY(json::parse(rs[0].body).contains("web"));
        // Requests are logged at debug, the token never.
        QVERIFY(agent.output().contains("agent.http: Request finished"));
        QVERIFY(agent.output().contains("token=<hidden>"));
        QVERIFY(!agent.output().contains(QString::fromStdString(token)));
        master.reset();
        QCOMPARE(agent.stop(), 0);
    }

    void aclsOffAcceptAnyToken() {
        AgentProcess agent;
        QVERIFY(agent.start());
        auto c = agentClient(agent, "whatever");
        const Reply r = get(*c, "/agent/self");
        QCOMPARE(r.status, 200);
        QCOMPARE(r.header("x-consul-default-acl-policy"), std::string("allow"));
        QCOMPARE(agent.stop(), 0);
    }

    void unixSocket() {
        AgentProcess agent;
        const QString path = agent.tempPath("http.sock");
        QVERIFY2(agent.start({"-client", "unix://" + path}), qPrintable(agent.output()));
        QCOMPARE(agent.address(), "unix://" + path);
        auto c = agentClient(agent);
        QVERIFY(c != nullptr);
        auto self = c->call(endpoints::agentSelf());
        QVERIFY2(self.ok(), self.ok() ? "" : self.error().toString().c_str());
        QVERIFY(
            c->call(endpoints::registerService(json{{"Name", "sock"}, {"Port", 1}}, false)).ok());
        auto services = c->call(endpoints::agentServices());
        QVERIFY(services.ok() && services->count("sock") == 1);
        c.reset();
        QCOMPARE(agent.stop(), 0);
        QVERIFY(!QFile::exists(path));
    }

    void sigintExitsCleanly() {
        AgentProcess agent;
        QVERIFY(agent.start());
        ::kill(static_cast<pid_t>(agent.process().processId()), SIGINT);
        QVERIFY(agent.process().waitForFinished(15000));
        QCOMPARE(agent.process().exitStatus(), QProcess::NormalExit);
        QCOMPARE(agent.process().exitCode(), 0);
        QVERIFY(agent.output().contains("Caught signal: interrupt"));
        QVERIFY(agent.output().contains("Agent shutdown complete"));
    }
};

QTEST_GUILESS_MAIN(TestAgentProcess)
#include "test_agent_process.moc"
