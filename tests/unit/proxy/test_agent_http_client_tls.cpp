// AgentHttpClient over https:// (CONSUL_HTTP_ADDR=https://...): the dev agent serves plain HTTP
// only, so a fake agent speaks TLS here (a socket with an OpenSSL server context and a leaf
// from the test CA), answering one canned reply per connection. Checked: the request arrives
// over TLS with its token, the reply is read, a certificate that does not verify is refused as
// AgentUnreachable, and CONSUL_HTTP_SSL_VERIFY=false accepts it.

#include "meshx_test.h"

#include <cstdio>
#include <fstream>
#include <string>

#include <QTemporaryDir>

#include "canned_reply_server.h"
#include "consul/agent_endpoints.h"
#include "proxy/agent_http_client.h"
#include "test_certificates.h"

using meshx::Code;
using meshx::consul::Request;
using meshx::proxy::AgentHttpClient;
using meshx::proxy::testing::TestCa;

class TestAgentHttpClientTls : public QObject {
    Q_OBJECT

  private slots:
    void httpsAgent() {
        TestCa ca("11111111-2222-3333-4444-555555555555.consul");
        const TestCa::Leaf leaf = ca.issueService("consul");
        CannedReplyServer agent(
            "HTTP/1.1 200 OK\r\nX-Consul-Index: 9\r\nContent-Length: 2\r\n\r\n[]", leaf.certPem,
            leaf.keyPem);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const std::string caFile = dir.filePath(QStringLiteral("ca.pem")).toStdString();
        std::ofstream(caFile) << ca.rootPem();

        meshx::MeshConfig config;
        config.agent =
            *meshx::AgentEndpoint::parse("https://127.0.0.1:" + std::to_string(agent.port()));
        config.token = "tls-token-42";
        config.caCert = caFile;

        // Verified against the CA: the leaf names no 127.0.0.1, so the check must refuse it.
        auto verifying = AgentHttpClient::create(config);
        QVERIFY(verifying.ok());
        auto refused = (*verifying)->send(Request::get("/catalog/services"));
        QVERIFY(!refused);
        QCOMPARE(refused.error().code, Code::AgentUnreachable);
        QVERIFY(refused.error().message.find("tls-token-42") == std::string::npos);

        // CONSUL_HTTP_SSL_VERIFY=false: TLS without verification, the exchange goes through.
        config.tlsVerify = false;
        auto client = AgentHttpClient::create(config);
        QVERIFY(client.ok());
        auto r = (*client)->send(Request::get("/catalog/services"));
        QVERIFY2(r.ok(), r ? "" : r.error().message.c_str());
        QCOMPARE(r->status, 200);
        QCOMPARE(r->index, uint64_t{9});
        QCOMPARE(r->body, std::string("[]"));
        const std::string request = agent.lastRequest();
        QVERIFY(request.starts_with("GET /v1/catalog/services HTTP/1.1\r\n"));
        QVERIFY(request.find("\r\nX-Consul-Token: tls-token-42\r\n") != std::string::npos);

        // A CA file that cannot be read fails at creation, as ConsulClient does.
        config.caCert = dir.filePath(QStringLiteral("missing.pem")).toStdString();
        auto missing = AgentHttpClient::create(config);
        QVERIFY(!missing);
        QCOMPARE(missing.error().code, Code::InvalidArgument);
    }
};

QTEST_GUILESS_MAIN(TestAgentHttpClientTls)
#include "test_agent_http_client_tls.moc"
