#include <QDeadlineTimer>
#include <QFile>
#include <QProcess>
#include <QTcpSocket>
#include <QTemporaryDir>

#include <csignal>

#include "agent_process.h"
#include "common/hostname.h"
#include "consul/agent_endpoints.h"
#include "consul/consul_client.h"
#include "mesh/consul_mesh.h"
#include "meshx_test.h"

using namespace meshx;
using namespace meshx::mesh;
namespace ep = meshx::consul::endpoints;

namespace {

// Sends `payload` to `address` and returns what came back before the peer closed or the deadline
// passed. Empty when no connection could be made.
QByteArray roundTrip(const net::Address& address, const QByteArray& payload, int timeoutMs) {
    QTcpSocket socket;
    socket.connectToHost(QString::fromStdString(address.host()), address.port());
    if (!socket.waitForConnected(timeoutMs)) {
        return {};
    }
    socket.write(payload);
    QByteArray received;
    QDeadlineTimer deadline(timeoutMs);
    while (received.size() < payload.size() && !deadline.hasExpired() &&
           socket.state() == QAbstractSocket::ConnectedState) {
        socket.waitForReadyRead(100);
        received += socket.readAll();
    }
    return received;
}

}  // namespace

// `meshx serve` end to end: a real program (socat echo) run as a mesh service behind the real
// built-in sidecar, reached from another engine's upstream through two meshx-proxy processes with
// mTLS. This is the path operators and the demos use to launch providers.
class TestMeshxServe : public QObject {
    Q_OBJECT

    std::unique_ptr<AgentProcess> agent_;
    std::unique_ptr<consul::ConsulClient> client_;
    QTemporaryDir dir_;
    QProcessEnvironment env_;

    bool registered(const std::string& id) { return client_->call(ep::agentService(id)).ok(); }
    bool passing(const std::string& id) {
        auto h = client_->call(ep::agentHealthById(id));
        return h && h->httpStatus == 200;
    }
    void startServe(QProcess& serve, const QStringList& args) {
        serve.setProcessChannelMode(QProcess::SeparateChannels);
        serve.setProcessEnvironment(env_);
        serve.start(
            meshxBinary(QStringLiteral("meshx")),
            QStringList{QStringLiteral("serve"), QStringLiteral("--agent"), agent_->address()} +
                args);
        QVERIFY(serve.waitForStarted(10000));
    }
    static bool waitGone(QProcess& p, int ms) {
        return p.state() == QProcess::NotRunning || p.waitForFinished(ms);
    }

  private slots:
    void initTestCase() {
        agent_ = std::make_unique<AgentProcess>(0);
        QVERIFY2(agent_->ok(), qPrintable(agent_->output()));
        MeshConfig c;
        c.agent = *AgentEndpoint::parse(agent_->address().toStdString());
        client_ = std::move(*consul::ConsulClient::create(c));

        // A config of our own: a port range no other suite uses, and a start timeout for a
        // loaded machine.
        QVERIFY(dir_.isValid());
        const QString configPath = dir_.filePath(QStringLiteral("config.json"));
        QFile f(configPath);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(nlohmann::json{{"port_range", {{"min", 35000}, {"max", 35999}}},
                               {"start_timeout_ms", 30000}}
                    .dump()
                    .c_str());
        f.close();
        env_ = QProcessEnvironment::systemEnvironment();
        env_.insert(QStringLiteral("MESHX_CONFIG"), configPath);
        env_.remove(QStringLiteral("CONSUL_HTTP_ADDR"));
        env_.remove(QStringLiteral("CONSUL_HTTP_TOKEN"));
    }

    void servedProgramCarriesBytesThroughTwoSidecars() {
        if (QStandardPaths::findExecutable(QStringLiteral("socat")).isEmpty()) {
            QSKIP("socat is not installed (packaging/install-deps.sh installs it)");
        }
        QProcess serve;
        startServe(serve,
                   {QStringLiteral("--service"), QStringLiteral("echo"), QStringLiteral("--id"),
                    QStringLiteral("echo-1"), QStringLiteral("--"), QStringLiteral("socat"),
                    QStringLiteral("TCP-LISTEN:{{port}},bind={{address}},fork,reuseaddr"),
                    QStringLiteral("EXEC:cat")});
        QTRY_VERIFY_WITH_TIMEOUT(passing("echo-1"), 30000);
        QVERIFY(registered("echo-1-sidecar-proxy"));

        // The consumer: our own engine with the default template (the real meshx-proxy).
        MeshConfig c;
        c.agent = *AgentEndpoint::parse(agent_->address().toStdString());
        c.portRangeMin = 21000;
        c.portRangeMax = 21999;
        auto mesh = ConsulMesh::create(*client_, c);
        QVERIFY(mesh.ok());
        auto connected = (*mesh)->connect({nlohmann::json("echo")}, defaultUpstreamTemplate(),
                                          ProxyService::defaults());
        QVERIFY2(connected.ok(), connected.ok() ? "" : connected.error().toString().c_str());
        QCOMPARE(connected->size(), size_t{1});
        QVERIFY2((*connected)[0].ok(),
                 (*connected)[0].ok() ? "" : (*connected)[0].error().toString().c_str());
        const net::Address upstream = *(*connected)[0];

        // The upstream proxy learns its config and the destination's health by blocking
        // queries: poll until a round trip works.
        const QByteArray payload = QByteArrayLiteral("hello through the mesh\n");
        QByteArray echoed;
        QDeadlineTimer deadline(30000);
        while (echoed != payload && !deadline.hasExpired()) {
            echoed = roundTrip(upstream, payload, 2000);
        }
        QCOMPARE(echoed, payload);

        // A larger payload exercises the TLS record path in both proxies.
        QByteArray big(256 * 1024, 'x');
        for (int i = 0; i < big.size(); ++i) {
            big[i] = static_cast<char>('a' + i % 26);
        }
        QCOMPARE(roundTrip(upstream, big, 20000), big);

        // SIGTERM: meshx serve stops the program, the sidecar and deregisters both services.
        ::kill(static_cast<pid_t>(serve.processId()), SIGTERM);
        QVERIFY(waitGone(serve, 20000));
        QCOMPARE(serve.exitStatus(), QProcess::NormalExit);
        QCOMPARE(serve.exitCode(), 0);
        QVERIFY(!registered("echo-1"));
        QVERIFY(!registered("echo-1-sidecar-proxy"));
        (*mesh)->stopAll();
    }

    void programExitStopsTheServiceWithItsCode() {
        QProcess serve;
        // The program waits for one line on stdin (forwarded by meshx serve), then exits 3.
        startServe(serve, {QStringLiteral("--service"), QStringLiteral("once"),
                           QStringLiteral("--template"), QStringLiteral("meshx-proxy"),
                           QStringLiteral("--"), QStringLiteral("sh"), QStringLiteral("-c"),
                           QStringLiteral("read line; exit 3")});
        const std::string id = "once-" + shortHostname();
        QTRY_VERIFY_WITH_TIMEOUT(passing(id), 30000);
        serve.write("go\n");
        QVERIFY(waitGone(serve, 20000));
        QCOMPARE(serve.exitCode(), 3);
        QVERIFY(!registered(id));
        QVERIFY(!registered(id + "-sidecar-proxy"));
        QVERIFY(
            QString::fromUtf8(serve.readAllStandardError()).contains(QStringLiteral("stopped")));
    }

    void missingProgramLeavesNothingRegistered() {
        QProcess serve;
        startServe(serve, {QStringLiteral("--service"), QStringLiteral("ghost"),
                           QStringLiteral("--"), QStringLiteral("/nonexistent/meshx-no-such")});
        QVERIFY(waitGone(serve, 30000));
        QCOMPARE(serve.exitCode(), 127);
        const QString err = QString::fromUtf8(serve.readAllStandardError());
        QVERIFY2(err.contains(QStringLiteral("cannot run")), qPrintable(err));
        QVERIFY(!registered("ghost-" + shortHostname()));
        QVERIFY(!registered("ghost-" + shortHostname() + "-sidecar-proxy"));
    }

    void badUsageExitsTwo() {
        QProcess serve;
        startServe(serve, {QStringLiteral("--"), QStringLiteral("true")});
        QVERIFY(waitGone(serve, 10000));
        QCOMPARE(serve.exitCode(), 2);
        QVERIFY(serve.readAllStandardError().contains("--service is required"));

        QProcess unknownTemplate;
        startServe(unknownTemplate,
                   {QStringLiteral("--service"), QStringLiteral("x"), QStringLiteral("--template"),
                    QStringLiteral("nope"), QStringLiteral("--"), QStringLiteral("true")});
        QVERIFY(waitGone(unknownTemplate, 10000));
        QCOMPARE(unknownTemplate.exitCode(), 2);
        QVERIFY(unknownTemplate.readAllStandardError().contains("nope"));
        QVERIFY(!registered("x-" + shortHostname()));
    }

    void unreachableAgentIsAClearError() {
        QProcess serve;
        serve.setProcessEnvironment(env_);
        serve.start(meshxBinary(QStringLiteral("meshx")),
                    {QStringLiteral("serve"), QStringLiteral("--agent"),
                     QStringLiteral("http://127.0.0.1:1"), QStringLiteral("--service"),
                     QStringLiteral("lost"), QStringLiteral("--"), QStringLiteral("true")});
        QVERIFY(serve.waitForFinished(30000));
        QCOMPARE(serve.exitCode(), 1);
        const QString err = QString::fromUtf8(serve.readAllStandardError());
        QVERIFY2(err.contains(QStringLiteral("agent_unreachable")) ||
                     err.contains(QStringLiteral("unreachable")),
                 qPrintable(err));
    }
};

QTEST_GUILESS_MAIN(TestMeshxServe)
#include "test_meshx_serve.moc"
