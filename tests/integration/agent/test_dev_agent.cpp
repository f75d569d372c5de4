// The embeddable DevAgent in-process: start/stop, HTTP/1.1 details over raw sockets, a unix
// socket, many parked blocking queries without a thread each.

#include <QLocalSocket>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QThread>

#include <nlohmann/json.hpp>

#include "agent/dev_agent.h"
#include "meshx_test.h"
#include "raw_http.h"

using meshx::agent::AgentConfig;
using meshx::agent::DevAgent;
using meshx::net::Address;

namespace {

AgentConfig quietConfig() {
    AgentConfig c;
    c.nodeName = "inproc";
    c.logLevel = meshx::agent::LogLevel::Warn;
    return c;
}

bool connectTo(QTcpSocket& s, const Address& a) {
    s.connectToHost(QString::fromStdString(a.host()), a.port());
    return s.waitForConnected(5000);
}

}  // namespace

class TestDevAgent : public QObject {
    Q_OBJECT

  private slots:
    void startReturnsBoundAddressAndStops() {
        DevAgent agent(quietConfig());
        auto bound = agent.start(Address::tcp("127.0.0.1", 0));
        QVERIFY2(bound.ok(), bound.ok() ? "" : bound.error().toString().c_str());
        QVERIFY(bound->port() != 0);
        QVERIFY(agent.isRunning());
        QVERIFY(
            QString::fromStdString(agent.banner())
                .contains(QString("    HTTP address: http://127.0.0.1:%1\n").arg(bound->port())));
        QVERIFY(!agent.trustDomain().empty());
        auto again = agent.start(Address::tcp("127.0.0.1", 0));
        QVERIFY(!again.ok());
        QCOMPARE(again.error().code, meshx::Code::AlreadyStarted);
        agent.stop();
        QVERIFY(!agent.isRunning());
        QTcpSocket s;
        s.connectToHost("127.0.0.1", bound->port());
        QVERIFY(!s.waitForConnected(2000));  // nothing listens any more
        agent.stop();                        // idempotent
    }

    void keepAlivePipeliningAndErrors() {
        DevAgent agent(quietConfig());
        auto bound = agent.start(Address::tcp("127.0.0.1", 0));
        QVERIFY(bound.ok());
        QTcpSocket s;
        QVERIFY(connectTo(s, *bound));
        // Two pipelined requests on one connection, answered in order.
        s.write(
            "GET /v1/agent/self HTTP/1.1\r\nHost: x\r\n\r\n"
            "OPTIONS /v1/agent/service/register HTTP/1.1\r\nHost: x\r\n\r\n");
        std::string buffer;
        auto rs = readResponses(s, buffer, 2);
        QCOMPARE(rs.size(), size_t{2});
        QCOMPARE(rs[0].status, 200);
        QCOMPARE(rs[0].headers["content-type"], std::string("application/json"));
        QCOMPARE(nlohmann::json::parse(rs[0].body)["Config"]["NodeName"], nlohmann::json("inproc"));
        QVERIFY(rs[0].body.find("\n    \"Config\"") != std::string::npos);  // pretty, 4 spaces
        QCOMPARE(rs[1].status, 200);
        QCOMPARE(rs[1].headers["allow"], std::string("OPTIONS,PUT"));
        QCOMPARE(rs[1].body, std::string());
        // Expect: 100-continue, then the body.
        const std::string body = nlohmann::json{{"Name", "web"}, {"Port", 80}}.dump();
        s.write(("PUT /v1/agent/service/register HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                 "Content-Length: " +
                 std::to_string(body.size()) + "\r\n\r\n")
                    .c_str());
        rs = readResponses(s, buffer, 1);
        QCOMPARE(rs.size(), size_t{1});
        QCOMPARE(rs[0].status, 100);
        s.write(body.c_str());
        rs = readResponses(s, buffer, 1);
        QCOMPARE(rs[0].status, 200);
        QCOMPARE(rs[0].body, std::string());
        QVERIFY(rs[0].headers.count("content-type") == 0);
        // A chunked body.
        s.write(
            "PUT /v1/agent/check/register HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
            "c\r\n{\"Name\":\"c1\"\r\nc\r\n,\"TTL\":\"5m\"}\r\n0\r\n\r\n");
        rs = readResponses(s, buffer, 1);
        QCOMPARE(rs[0].status, 200);
        // Still the same connection.
        s.write("GET /v1/agent/checks HTTP/1.1\r\nHost: x\r\n\r\n");
        rs = readResponses(s, buffer, 1);
        QCOMPARE(rs[0].status, 200);
        QVERIFY(nlohmann::json::parse(rs[0].body).contains("c1"));
        // Paths outside /v1.
        s.write("GET /ui HTTP/1.1\r\nHost: x\r\n\r\n");
        rs = readResponses(s, buffer, 1);
        QCOMPARE(rs[0].status, 404);
        QCOMPARE(rs[0].body, std::string("Invalid URL path: if attempting to use the HTTP API, "
                                         "ensure the path starts with '/v1/'."));
        // Connection: close is honoured.
        s.write("GET /v1/status/leader HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        rs = readResponses(s, buffer, 1);
        QCOMPARE(rs[0].status, 200);
        QCOMPARE(rs[0].headers["connection"], std::string("close"));
        QVERIFY(s.state() == QAbstractSocket::UnconnectedState || s.waitForDisconnected(5000));
    }

    void oversizedRequestsAreRefused() {
        AgentConfig config = quietConfig();
        config.maxRequestBodyBytes = 4096;
        DevAgent agent(config);
        auto bound = agent.start(Address::tcp("127.0.0.1", 0));
        QVERIFY(bound.ok());
        {
            QTcpSocket s;
            QVERIFY(connectTo(s, *bound));
            const std::string body(5000, ' ');
            s.write(("PUT /v1/agent/service/register HTTP/1.1\r\nHost: x\r\nContent-Length: "
                     "5000\r\n\r\n" +
                     body)
                        .c_str());
            std::string buffer;
            auto rs = readResponses(s, buffer, 1);
            QCOMPARE(rs.size(), size_t{1});
            QCOMPARE(rs[0].status, 413);
            QCOMPARE(rs[0].body,
                     std::string("Request body(5000 bytes) too large, max size: 4096 bytes."));
            QCOMPARE(rs[0].headers["connection"], std::string("close"));
        }
        {
            // With 100-continue the refusal comes before the body is sent.
            QTcpSocket s;
            QVERIFY(connectTo(s, *bound));
            s.write(
                "PUT /v1/agent/service/register HTTP/1.1\r\nHost: x\r\nExpect: "
                "100-continue\r\nContent-Length: 99999\r\n\r\n");
            std::string buffer;
            auto rs = readResponses(s, buffer, 1);
            QCOMPARE(rs[0].status, 413);
        }
        {
            QTcpSocket s;
            QVERIFY(connectTo(s, *bound));
            s.write("GET /v1/agent/self HTTP/1.1\r\nHost: x\r\nX-Big: ");
            s.write(QByteArray(1100 * 1024, 'a'));
            s.write("\r\n\r\n");
            std::string buffer;
            auto rs = readResponses(s, buffer, 1);
            QCOMPARE(rs.size(), size_t{1});
            QCOMPARE(rs[0].status, 431);
        }
        // Still serving.
        QTcpSocket s;
        QVERIFY(connectTo(s, *bound));
        s.write("GET /v1/agent/services HTTP/1.1\r\nHost: x\r\n\r\n");
        std::string buffer;
        auto rs = readResponses(s, buffer, 1);
        QCOMPARE(rs[0].status, 200);
        QCOMPARE(rs[0].body, std::string("{}\n"));
    }

    void unixSocketAndHostHeaderIgnored() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("agent.sock").toStdString();
        DevAgent agent(quietConfig());
        auto bound = agent.start(Address::uds(path));
        QVERIFY2(bound.ok(), bound.ok() ? "" : bound.error().toString().c_str());
        QCOMPARE(agent.httpAddress(), "unix://" + path);
        QLocalSocket s;
        s.connectToServer(QString::fromStdString(path));
        QVERIFY(s.waitForConnected(5000));
        s.write("GET /v1/agent/self HTTP/1.1\r\nHost: placeholder\r\n\r\n");
        std::string buffer;
        auto rs = readResponses(s, buffer, 1);
        QCOMPARE(rs.size(), size_t{1});
        QCOMPARE(rs[0].status, 200);
        agent.stop();
        QVERIFY(!QFile::exists(QString::fromStdString(path)));
    }

    void hundredsOfParkedQueriesWakeTogether() {
        DevAgent agent(quietConfig());
        auto bound = agent.start(Address::tcp("127.0.0.1", 0));
        QVERIFY(bound.ok());
        QTcpSocket control;
        QVERIFY(connectTo(control, *bound));
        control.write("GET /v1/catalog/services HTTP/1.1\r\nHost: x\r\n\r\n");
        std::string cbuf;
        auto first = readResponses(control, cbuf, 1);
        QCOMPARE(first.size(), size_t{1});
        const std::string index = first[0].headers["x-consul-index"];
        QVERIFY(!index.empty() && index != "0");
        constexpr int kWaiters = 300;
        std::vector<std::unique_ptr<QTcpSocket>> sockets;
        for (int i = 0; i < kWaiters; ++i) {
            auto s = std::make_unique<QTcpSocket>();
            QVERIFY(connectTo(*s, *bound));
            s->write(("GET /v1/catalog/services?index=" + index +
                      "&wait=60s HTTP/1.1\r\nHost: x\r\n\r\n")
                         .c_str());
            s->flush();
            sockets.push_back(std::move(s));
        }
        // None answers before the change (check a few, briefly).
        QVERIFY(!sockets.front()->waitForReadyRead(200));
        const std::string body = nlohmann::json{{"Name", "new"}}.dump();
        control.write(("PUT /v1/agent/service/register HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                       std::to_string(body.size()) + "\r\n\r\n" + body)
                          .c_str());
        auto reg = readResponses(control, cbuf, 1);
        QCOMPARE(reg.size(), size_t{1});
        QCOMPARE(reg[0].status, 200);
        int woken = 0;
        for (auto& s : sockets) {
            std::string buffer;
            auto rs = readResponses(*s, buffer, 1, 20000);
            if (rs[0].status == 200 &&
                std::stoull(rs[0].headers["x-consul-index"]) > std::stoull(index) &&
                nlohmann::json::parse(rs[0].body).contains("new")) {
                ++woken;
            }
        }
        QCOMPARE(woken, kWaiters);
        agent.stop();
    }

    void tcpChecksProbeAndAliasFollows() {
        DevAgent agent(quietConfig());
        auto bound = agent.start(Address::tcp("127.0.0.1", 0));
        QVERIFY(bound.ok());
        // The "application": a listener whose backlog accepts the probes' connections.
        QTcpServer app;
        QVERIFY(app.listen(QHostAddress::LocalHost, 0));
        const std::string port = std::to_string(app.serverPort());
        const std::string target = "127.0.0.1:" + port;
        // The sidecar gets the same port, so its default "Listening" check probes it too.
        const int appPort = app.serverPort();
        const std::string body =
            nlohmann::json{{"Name", "app"},
                           {"Port", appPort},
                           {"Check", {{"TCP", target}, {"Interval", "1s"}}},
                           {"Connect", {{"SidecarService", {{"Port", appPort}}}}}}
                .dump();
        QTcpSocket s;
        QVERIFY(connectTo(s, *bound));
        std::string buffer;
        auto call = [&](const std::string& method, const std::string& path,
                        const std::string& b = {}) {
            s.write((method + " " + path + " HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                     std::to_string(b.size()) + "\r\n\r\n" + b)
                        .c_str());
            return readResponses(s, buffer, 1).front();
        };
        QCOMPARE(call("PUT", "/v1/agent/service/register", body).status, 200);
        auto checkOf = [&](const std::string& id) {
            return nlohmann::json::parse(call("GET", "/v1/agent/checks").body)
                .value(id, nlohmann::json());
        };
        auto waitStatus = [&](const std::string& id, const char* status, int timeoutMs) {
            QDeadlineTimer deadline(timeoutMs);
            while (!deadline.hasExpired()) {
                if (checkOf(id).value("Status", "") == status) {
                    return true;
                }
                QThread::msleep(100);  // polling interval of a bounded wait
            }
            return false;
        };
        QVERIFY(waitStatus("service:app", "passing", 10000));
        QCOMPARE(checkOf("service:app")["Output"],
                 nlohmann::json("TCP connect " + target + ": Success"));
        // The sidecar's TCP check starts at a random moment within its 10s interval.
        QVERIFY(waitStatus("service:app-sidecar-proxy:1", "passing", 20000));
        QVERIFY(waitStatus("service:app-sidecar-proxy:2", "passing", 5000));
        QCOMPARE(checkOf("service:app-sidecar-proxy:2")["Output"],
                 nlohmann::json("All checks passing."));
        QCOMPARE(call("GET", "/v1/agent/health/service/id/app-sidecar-proxy").status, 200);
        QCOMPARE(call("GET", "/v1/health/connect/app?passing=1").body.find("app-sidecar-proxy") !=
                     std::string::npos,
                 true);
        // The application goes away: its check fails, and the alias follows at once.
        app.close();
        QVERIFY(waitStatus("service:app", "critical", 10000));
        QVERIFY2(checkOf("service:app")["Output"].get<std::string>().find("connection refused") !=
                     std::string::npos,
                 checkOf("service:app").dump().c_str());
        QCOMPARE(checkOf("service:app-sidecar-proxy:2")["Status"], nlohmann::json("critical"));
        QCOMPARE(call("GET", "/v1/agent/health/service/id/app-sidecar-proxy").status, 503);
        QCOMPARE(call("GET", "/v1/health/connect/app?passing=1").body, std::string("[]\n"));
    }

    void stopWithParkedQueriesIsClean() {
        DevAgent agent(quietConfig());
        auto bound = agent.start(Address::tcp("127.0.0.1", 0));
        QVERIFY(bound.ok());
        QTcpSocket s;
        QVERIFY(connectTo(s, *bound));
        s.write("GET /v1/catalog/services?index=999999&wait=5m HTTP/1.1\r\nHost: x\r\n\r\n");
        s.flush();
        QVERIFY(!s.waitForReadyRead(200));
        agent.stop();
        QVERIFY(s.state() == QAbstractSocket::UnconnectedState || s.waitForDisconnected(5000));
    }
};

QTEST_GUILESS_MAIN(TestDevAgent)
#include "test_dev_agent.moc"
