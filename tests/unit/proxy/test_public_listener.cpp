// The public listener with real sockets: who gets in (mTLS, identity, authorization) and what
// the local app sees.

#include <sys/socket.h>
#include <unistd.h>

#include "meshx_test.h"
#include "proxy/socket.h"
#include "proxy/socket_address.h"
#include "proxy_test_support.h"
#include "test_certificates.h"
#include "test_sidecar.h"

using namespace meshx::proxy;
using namespace meshx::proxy::testing;

namespace {
const std::string kTrustDomain = "11111111-2222-3333-4444-555555555555.consul";
}

class TestPublicListener : public QObject {
    Q_OBJECT

    std::unique_ptr<TestCa> ca_;
    std::unique_ptr<EchoServer> app_;
    std::unique_ptr<TestSidecar> db_;
    uint16_t port_ = 0;

  private slots:
    void init() {
        ca_ = std::make_unique<TestCa>(kTrustDomain);
        app_ = std::make_unique<EchoServer>();
        db_ = std::make_unique<TestSidecar>(*ca_, "db");
        port_ = db_->servePublic(app_->port());
        QVERIFY(port_ != 0);
    }
    void cleanup() {
        db_.reset();
        app_.reset();
        ca_.reset();
    }

    void mtlsClientReachesTheApp() {
        TlsClient client(ca_->material("web"));
        QVERIFY2(client.connect(port_), client.error().c_str());
        QVERIFY(client.send("hello"));
        QCOMPARE(client.recv(5), std::string("hello"));
        QCOMPARE(app_->accepted(), 1);
        auto requests = db_->authz->requests();
        QCOMPARE(requests.size(), size_t(1));
        QCOMPARE(requests[0].target, std::string("db"));
        QCOMPARE(requests[0].clientCertUri, ca_->serviceUri("web"));
        QVERIFY(requests[0].clientCertSerial.find(':') != std::string::npos ||
                requests[0].clientCertSerial.size() == 2);
        QVERIFY(
            db_->logs.contains("[INFO]  proxy: Starting listener: listener=\"public listener\""));
    }

    void clientWithoutCertificateIsRefused() {
        TlsMaterial noCert{"", "", ca_->rootPem(), ""};
        TlsClient client(noCert);
        client.connect(port_);  // TLS 1.3: the client may finish before the server refuses
        client.send("hello");
        QCOMPARE(client.recv(5), std::string());
        QVERIFY(client.closed());
        QTRY_VERIFY(db_->logs.contains("TLS handshake failed"));
        QVERIFY2(db_->logs.contains("peer did not return a certificate"), db_->logs.all().c_str());
        QCOMPARE(app_->accepted(), 0);
        QCOMPARE(db_->authz->calls(), 0);
    }

    void clientOfAnotherCaIsRefused() {
        TestCa stranger(kTrustDomain);  // same trust domain name, different key
        TlsMaterial m = stranger.material("web");
        m.rootsPem = ca_->rootPem();  // it trusts our server, we must not trust it
        TlsClient client(m);
        client.connect(port_);
        client.send("hello");
        QCOMPARE(client.recv(5), std::string());
        QVERIFY(client.closed());
        QTRY_VERIFY(db_->logs.contains("certificate verify failed"));
        QCOMPARE(app_->accepted(), 0);
        QCOMPARE(db_->authz->calls(), 0);
    }

    void foreignTrustDomainIsRefused() {
        // Signed by our own CA (so the chain verifies: roots constrain DNS names, not URIs), but
        // naming another trust domain.
        auto leaf = ca_->issue(
            "spiffe://99999999-0000-0000-0000-000000000000.consul/ns/default/"
            "dc/dc1/svc/web");
        TlsClient client({leaf.certPem, leaf.keyPem, ca_->rootPem(), ""});
        client.connect(port_);
        client.send("hello");
        QCOMPARE(client.recv(5), std::string());
        QVERIFY(client.closed());
        QTRY_VERIFY(db_->logs.contains("Identity from an external trust domain"));
        QVERIFY(db_->logs.contains("[ERROR] proxy.connect: authz call denied: service=db"));
        QCOMPARE(app_->accepted(), 0);
        QCOMPARE(db_->authz->calls(), 0);
    }

    void certificateWithoutServiceIdentityIsRefused() {
        auto leaf = ca_->issue("spiffe://" + kTrustDomain + "/agent/client/dc/dc1/id/x");
        TlsClient client({leaf.certPem, leaf.keyPem, ca_->rootPem(), ""});
        client.connect(port_);
        client.send("hello");
        QCOMPARE(client.recv(5), std::string());
        QTRY_VERIFY(db_->logs.contains("not a valid Service identifier"));
        QCOMPARE(app_->accepted(), 0);
    }

    void certificateWithoutClientAuthUsageIsRefused() {
        auto leaf = ca_->issue(ca_->serviceUri("web"), TestCa::ServerAuth);
        TlsClient client({leaf.certPem, leaf.keyPem, ca_->rootPem(), ""});
        client.connect(port_);
        client.send("hello");
        QCOMPARE(client.recv(5), std::string());
        QTRY_VERIFY2(db_->logs.contains("unsuitable certificate purpose"), db_->logs.all().c_str());
        QCOMPARE(app_->accepted(), 0);
    }

    void expiredClientCertificateIsRefused() {
        auto leaf = ca_->issue(ca_->serviceUri("web"), TestCa::Both, -5);
        TlsClient client({leaf.certPem, leaf.keyPem, ca_->rootPem(), ""});
        client.connect(port_);
        client.send("hello");
        QCOMPARE(client.recv(5), std::string());
        QTRY_VERIFY(db_->logs.contains("certificate has expired"));
        QCOMPARE(app_->accepted(), 0);
    }

    void deniedClientIsClosedAndLogged() {
        db_->authz->deny("web");
        TlsClient client(ca_->material("web"));
        client.connect(port_);
        client.send("hello");
        QCOMPARE(client.recv(5), std::string());
        QVERIFY(client.closed());
        QTRY_VERIFY(db_->logs.contains(
            "[ERROR] proxy.connect: authz call denied: service=db reason=\"Matched L4 intention: "
            "deny web\""));
        QCOMPARE(app_->accepted(), 0);
        QCOMPARE(db_->proxy->stats().inboundDenied.load(), uint64_t(1));
    }

    void authorizationErrorDenies() {
        db_->authz->failWith("agent unreachable");
        TlsClient client(ca_->material("web"));
        client.connect(port_);
        client.send("hello");
        QCOMPARE(client.recv(5), std::string());
        QTRY_VERIFY(db_->logs.contains("authz call failed"));
        QCOMPARE(app_->accepted(), 0);
    }

    void nothingIsForwardedBeforeAuthorization() {
        db_->authz->hold();
        TlsClient client(ca_->material("web"));
        QVERIFY(client.connect(port_));
        QVERIFY(client.send("early"));
        QTRY_COMPARE(db_->authz->calls(), 1);
        // The decision is pending: neither a connection to the app nor a byte either way.
        QCOMPARE(client.recv(1, Ms(200)), std::string());
        QCOMPARE(app_->accepted(), 0);
        db_->authz->release();
        QCOMPARE(client.recv(5), std::string("early"));
        QCOMPARE(app_->accepted(), 1);
    }

    void decisionsAreCachedBriefly() {
        for (int i = 0; i < 5; ++i) {
            TlsClient client(ca_->material("web"));
            QVERIFY(client.connect(port_));
            QVERIFY(client.send("x"));
            QCOMPARE(client.recv(1), std::string("x"));
        }
        QCOMPARE(db_->authz->calls(), 1);
    }

    void garbageIsLoggedAndTheListenerKeepsServing() {
        int fd = connectTcp(port_);
        QVERIFY(fd >= 0);
        QVERIFY(sendAll(fd, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
        QVERIFY(waitClosed(fd));
        ::close(fd);
        QTRY_VERIFY(db_->logs.contains("[ERROR] proxy.connect: TLS handshake failed"));
        QCOMPARE(db_->proxy->stats().inboundHandshakeFailures.load(), uint64_t(1));

        TlsClient client(ca_->material("web"));
        QVERIFY(client.connect(port_));
        QVERIFY(client.send("still here"));
        QCOMPARE(client.recv(10), std::string("still here"));
    }

    void probeWithoutBytesIsNotAnError() {
        // The agent's TCP health check: connect, then close without a byte.
        for (int i = 0; i < 3; ++i) {
            int fd = connectTcp(port_);
            QVERIFY(fd >= 0);
            ::close(fd);
        }
        QTRY_COMPARE(db_->logs.count("connection closed before the TLS handshake"), 3);
        QVERIFY(!db_->logs.contains("[ERROR]"));
        QCOMPARE(db_->proxy->stats().inboundHandshakeFailures.load(), uint64_t(0));
    }

    void silentClientTimesOut() {
        ProxyConfig c = db_->config;
        c.handshakeTimeout = Ms(200);
        db_->apply(c);
        QTRY_VERIFY(db_->proxy->listeners().size() == 1);
        // The new settings apply to connections accepted after the config reached the loop;
        // listeners() above is one round trip through that loop.
        int fd = connectTcp(port_);
        QVERIFY(fd >= 0);
        QVERIFY(waitClosed(fd, Ms(5000)));
        ::close(fd);
        QVERIFY(db_->logs.contains("handshake and authorization timed out"));
    }

    void appDownIsLoggedAsFailedToDial() {
        uint16_t dead = freePort();
        ProxyConfig c = db_->config;
        c.localServicePort = dead;
        db_->apply(c);
        QTRY_VERIFY(db_->proxy->listeners().size() == 1);
        TlsClient client(ca_->material("web"));
        client.connect(port_);
        client.send("x");
        QCOMPARE(client.recv(1), std::string());
        QTRY_VERIFY(db_->logs.contains(
            "[ERROR] proxy.inbound: failed to dial: error=\"dial tcp 127.0.0.1:" +
            std::to_string(dead) + ": connect: connection refused\""));
    }

    // Once a dial of the app failed, new connections are reset before the TLS handshake while
    // the app stays down (the caller's sidecar then tries another instance), logged once; when
    // the app listens again, the connection that found it out goes through.
    void appKnownDownResetsBeforeTheHandshake() {
        uint16_t dead = freePort();
        ProxyConfig c = db_->config;
        c.localServicePort = dead;
        db_->apply(c);
        QTRY_VERIFY(db_->proxy->listeners().size() == 1);
        TlsClient first(ca_->material("web"));
        QVERIFY2(first.connect(port_), first.error().c_str());
        first.send("x");
        QCOMPARE(first.recv(1), std::string());
        QVERIFY(first.closed());
        for (int i = 0; i < 3; ++i) {
            TlsClient next(ca_->material("web"));
            QVERIFY(!next.connect(port_));
        }
        QCOMPARE(db_->proxy->stats().inboundDialFailures.load(), uint64_t(4));
        QCOMPARE(db_->logs.count("failed to dial"), 1);
        // No TLS handshake was failed by those three: they never got that far.
        QCOMPARE(db_->proxy->stats().inboundHandshakeFailures.load(), uint64_t(0));

        auto address = SocketAddress::resolve("127.0.0.1", dead);
        QVERIFY(address.ok());
        auto app = Socket::listen(*address);
        QVERIFY2(app.ok(), app.ok() ? "" : app.error().message.c_str());
        TlsClient back(ca_->material("web"));
        QVERIFY2(back.connect(port_), back.error().c_str());
        QVERIFY(back.send("y"));
        QTRY_VERIFY(db_->logs.contains("local service reachable again"));
        QTRY_COMPARE(db_->proxy->stats().inboundForwarded.load(), uint64_t(1));
    }

    // The app crashing shows first as its connections ending before their clients did: the
    // next connection is dialled to the app before the handshake and, the app being gone, reset
    // before a single TLS byte, without a first victim finding it out after its handshake.
    void appEndingConnectionsFirstIsSuspected() {
        uint16_t appPort = freePort();
        auto address = SocketAddress::resolve("127.0.0.1", appPort);
        QVERIFY(address.ok());
        auto app = Socket::listen(*address);
        QVERIFY(app.ok());
        ProxyConfig c = db_->config;
        c.localServicePort = appPort;
        db_->apply(c);
        QTRY_VERIFY(db_->proxy->listeners().size() == 1);
        TlsClient first(ca_->material("web"));
        QVERIFY2(first.connect(port_), first.error().c_str());
        QVERIFY(first.send("x"));
        Socket served;
        QTRY_VERIFY2(
            [&] {
                // QTRY evaluates once more after success: keep what was accepted.
                int err = 0;
                if (!served.valid()) {
                    served = app->accept(&err);
                }
                return served.valid();
            }(),
            db_->logs.all().c_str());
        // The app dies: its listener and its connection close.
        app->reset();
        served.reset();
        QCOMPARE(first.recv(1), std::string());
        TlsClient next(ca_->material("web"));
        QVERIFY(!next.connect(port_));
        QCOMPARE(db_->proxy->stats().inboundHandshakeFailures.load(), uint64_t(0));
        QCOMPARE(db_->proxy->stats().inboundDialFailures.load(), uint64_t(1));
        QCOMPARE(db_->proxy->stats().inboundForwarded.load(), uint64_t(1));
    }
};

QTEST_GUILESS_MAIN(TestPublicListener)
#include "test_public_listener.moc"
