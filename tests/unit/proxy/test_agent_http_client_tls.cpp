// AgentHttpClient over https:// (CONSUL_HTTP_ADDR=https://...): the dev agent serves plain HTTP
// only, so a fake agent speaks TLS here (a socket with an OpenSSL server context and a leaf
// from the test CA), answering one canned reply per connection. Checked: the request arrives
// over TLS with its token, the reply is read, a certificate that does not verify is refused as
// AgentUnreachable, and CONSUL_HTTP_SSL_VERIFY=false accepts it.

#include "meshx_test.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <cstdio>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>

#include <QTemporaryDir>

#include "consul/agent_endpoints.h"
#include "proxy/agent_http_client.h"
#include "test_certificates.h"

using meshx::Code;
using meshx::consul::Request;
using meshx::proxy::AgentHttpClient;
using meshx::proxy::testing::TestCa;

namespace {

// The fake TLS agent (see the file comment for why a fake).
class FakeTlsAgent {
  public:
    FakeTlsAgent(const TestCa::Leaf& leaf, std::string reply) : reply_(std::move(reply)) {
        ctx_ = SSL_CTX_new(TLS_server_method());
        BIO* certBio = BIO_new_mem_buf(leaf.certPem.data(), static_cast<int>(leaf.certPem.size()));
        X509* cert = PEM_read_bio_X509(certBio, nullptr, nullptr, nullptr);
        BIO* keyBio = BIO_new_mem_buf(leaf.keyPem.data(), static_cast<int>(leaf.keyPem.size()));
        EVP_PKEY* key = PEM_read_bio_PrivateKey(keyBio, nullptr, nullptr, nullptr);
        SSL_CTX_use_certificate(ctx_, cert);
        SSL_CTX_use_PrivateKey(ctx_, key);
        X509_free(cert);
        EVP_PKEY_free(key);
        BIO_free(certBio);
        BIO_free(keyBio);

        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof a;
        ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
        ::listen(fd_, 4);
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
        port_ = ntohs(a.sin_port);
        thread_ = std::thread([this] { serve(); });
    }
    ~FakeTlsAgent() {
        ::shutdown(fd_, SHUT_RDWR);
        ::close(fd_);
        thread_.join();
        SSL_CTX_free(ctx_);
    }
    std::string address() const { return "https://127.0.0.1:" + std::to_string(port_); }
    std::string lastRequest() {
        std::lock_guard lock(mutex_);
        return lastRequest_;
    }

  private:
    void serve() {
        for (;;) {
            const int c = ::accept(fd_, nullptr, nullptr);
            if (c < 0) {
                return;
            }
            SSL* ssl = SSL_new(ctx_);
            SSL_set_fd(ssl, c);
            if (SSL_accept(ssl) == 1) {
                std::string request;
                char buf[4096];
                while (request.find("\r\n\r\n") == std::string::npos) {
                    const int n = SSL_read(ssl, buf, sizeof buf);
                    if (n <= 0) {
                        break;
                    }
                    request.append(buf, static_cast<size_t>(n));
                }
                {
                    std::lock_guard lock(mutex_);
                    lastRequest_ = request;
                }
                SSL_write(ssl, reply_.data(), static_cast<int>(reply_.size()));
                SSL_shutdown(ssl);
            }
            SSL_free(ssl);
            ::close(c);
        }
    }

    SSL_CTX* ctx_ = nullptr;
    std::string reply_;
    int fd_ = -1;
    int port_ = 0;
    std::mutex mutex_;
    std::string lastRequest_;
    std::thread thread_;
};

}  // namespace

class TestAgentHttpClientTls : public QObject {
    Q_OBJECT

  private slots:
    void httpsAgent() {
        TestCa ca("11111111-2222-3333-4444-555555555555.consul");
        FakeTlsAgent agent(ca.issueService("consul"),
                           "HTTP/1.1 200 OK\r\nX-Consul-Index: 9\r\nContent-Length: 2\r\n\r\n[]");
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const std::string caFile = dir.filePath(QStringLiteral("ca.pem")).toStdString();
        std::ofstream(caFile) << ca.rootPem();

        meshx::MeshConfig config;
        config.agent = *meshx::AgentEndpoint::parse(agent.address());
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
