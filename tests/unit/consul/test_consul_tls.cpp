// ConsulClient over https against FakeConsulServer with a throw-away CA made by the openssl CLI:
// CA file, TLS server name, verification on/off, client certificates.

#include "meshx_test.h"

#include <QFile>
#include <QProcess>
#include <QTemporaryDir>

#include "consul/agent_endpoints.h"
#include "consul_test_support.h"
#include "fake_consul_server.h"

using meshx::Code;
using meshx::MeshConfig;
using namespace meshx::consul::endpoints;
using consul_test::makeClient;

namespace {

FakeReply selfReply() {
    return FakeReply::json({{"Config", {{"Datacenter", "dc1"}, {"NodeName", "tls-node"}}}});
}

}  // namespace

class TestConsulTls : public QObject {
    Q_OBJECT

  private:
    QTemporaryDir dir_;

    std::string file(const char* name) const { return dir_.filePath(name).toStdString(); }

    bool openssl(const QStringList& args) {
        QProcess p;
        p.setWorkingDirectory(dir_.path());
        p.start(QStringLiteral("openssl"), args);
        if (!p.waitForFinished(30000) || p.exitCode() != 0) {
            qWarning() << "openssl" << args << p.readAllStandardError();
            return false;
        }
        return true;
    }

    bool writeFile(const char* name, const QByteArray& text) {
        QFile f(dir_.filePath(name));
        return f.open(QIODevice::WriteOnly) && f.write(text) == text.size();
    }

    // A P-256 key and a certificate for `cn` signed by the test CA with the given extensions.
    bool issue(const QString& name, const QString& cn, const QByteArray& extensions) {
        const QByteArray ext = name.toLatin1() + ".ext";
        return writeFile(ext.constData(), extensions) &&
               openssl({"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                        "-nodes", "-keyout", name + ".key", "-out", name + ".csr", "-subj",
                        "/CN=" + cn}) &&
               openssl({"x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                        "-CAcreateserial", "-days", "2", "-out", name + ".pem", "-extfile",
                        QString::fromLatin1(ext)});
    }

    MeshConfig httpsConfig(uint16_t port) const {
        MeshConfig config;
        config.agent.scheme = meshx::AgentEndpoint::Scheme::Https;
        config.agent.host = "127.0.0.1";
        config.agent.port = port;
        config.caCert = file("ca.pem");
        config.tlsServerName = "consul.test";
        config.token = "tls-secret-token";
        return config;
    }

  private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        QVERIFY(openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt",
                         "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "ca.key", "-out",
                         "ca.pem", "-days", "2", "-subj", "/CN=Meshx Test CA"}));
        // The server certificate names only consul.test, not 127.0.0.1: connecting by address
        // verifies only when the client is told the server name.
        QVERIFY(issue("server", "consul.test",
                      "subjectAltName=DNS:consul.test\nextendedKeyUsage=serverAuth\n"));
        QVERIFY(issue("client", "meshx-client", "extendedKeyUsage=clientAuth\n"));
    }

    void verifiesWithCaAndServerName() {
        FakeConsulServer server([](const FakeRequest&) { return selfReply(); });
        QVERIFY(server.enableTls(file("server.pem"), file("server.key")));
        QVERIFY(server.listenTcp());
        auto client = makeClient(httpsConfig(server.port()));
        QVERIFY(client);
        auto self = client->call(agentSelf());
        QVERIFY2(self.ok(), self.ok() ? "" : self.error().toString().c_str());
        QCOMPARE(self->nodeName, std::string("tls-node"));
        QCOMPARE(server.requests().at(0).header("x-consul-token"), std::string("tls-secret-token"));
        QCOMPARE(server.requests().at(0).header("host").rfind("consul.test", 0), std::size_t(0));
    }

    void hostNameMismatchFails() {
        FakeConsulServer server([](const FakeRequest&) { return selfReply(); });
        QVERIFY(server.enableTls(file("server.pem"), file("server.key")));
        QVERIFY(server.listenTcp());
        auto config = httpsConfig(server.port());
        config.tlsServerName.clear();
        auto self = makeClient(config)->call(agentSelf());
        QVERIFY(!self);
        QCOMPARE(self.error().code, Code::AgentUnreachable);
        QVERIFY(self.error().message.find("tls-secret-token") == std::string::npos);
        QCOMPARE(server.requestCount(), std::size_t(0));
    }

    void unknownCaFails() {
        FakeConsulServer server([](const FakeRequest&) { return selfReply(); });
        QVERIFY(server.enableTls(file("server.pem"), file("server.key")));
        QVERIFY(server.listenTcp());
        auto config = httpsConfig(server.port());
        config.caCert.clear();  // system store: does not know the test CA
        auto self = makeClient(config)->call(agentSelf());
        QVERIFY(!self);
        QCOMPARE(self.error().code, Code::AgentUnreachable);
        QCOMPARE(server.requestCount(), std::size_t(0));
    }

    void verificationOffAcceptsAnyCertificate() {
        FakeConsulServer server([](const FakeRequest&) { return selfReply(); });
        QVERIFY(server.enableTls(file("server.pem"), file("server.key")));
        QVERIFY(server.listenTcp());
        auto config = httpsConfig(server.port());
        config.caCert.clear();
        config.tlsServerName.clear();
        config.tlsVerify = false;  // CONSUL_HTTP_SSL_VERIFY=false
        auto self = makeClient(config)->call(agentSelf());
        QVERIFY2(self.ok(), self.ok() ? "" : self.error().toString().c_str());
    }

    void clientCertificateWhenTheAgentRequiresOne() {
        FakeConsulServer server([](const FakeRequest&) { return selfReply(); });
        QVERIFY(server.enableTls(file("server.pem"), file("server.key"), file("ca.pem")));
        QVERIFY(server.listenTcp());
        auto config = httpsConfig(server.port());
        auto without = makeClient(config)->call(agentSelf());
        QVERIFY(!without);
        QCOMPARE(without.error().code, Code::AgentUnreachable);

        config.clientCert = file("client.pem");
        config.clientKey = file("client.key");
        auto with = makeClient(config)->call(agentSelf());
        QVERIFY2(with.ok(), with.ok() ? "" : with.error().toString().c_str());
        QCOMPARE(server.requests().size(), std::size_t(1));
        QVERIFY2(
            server.requests().at(0).clientCertSubject.find("CN=meshx-client") != std::string::npos,
            server.requests().at(0).clientCertSubject.c_str());
    }

    void unreadableTlsFilesFailAtCreate() {
        auto config = httpsConfig(8501);
        config.caCert = file("no-such-ca.pem");
        auto client = meshx::consul::ConsulClient::create(config);
        QVERIFY(!client);
        QCOMPARE(client.error().code, Code::InvalidArgument);
        QVERIFY(client.error().message.find("no-such-ca.pem") != std::string::npos);
    }
};

QTEST_GUILESS_MAIN(TestConsulTls)
#include "test_consul_tls.moc"
