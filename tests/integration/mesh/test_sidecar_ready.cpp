// "Started means listening" (issue 20.3): when start / startBatch returns, every built-in
// sidecar accepts connections on its public port, for a process per sidecar and for the shared
// host; a sidecar that cannot bind its public port fails its service's start with ProxyFailed
// (at the deadline, with the bind error; a port freed meanwhile is only a delay) and leaves nothing
// behind; a shared host reads the CA roots once for all its sidecars. Real meshx-agent and
// meshx-proxy.

#include <QFile>
#include <QTemporaryDir>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <future>
#include <map>

#include "agent_client.h"
#include "agent_process.h"
#include "consul/agent_endpoints.h"
#include "consul/consul_client.h"
#include "loopback_accepts.h"
#include "mesh/consul_mesh.h"
#include "mesh/service_template.h"
#include "meshx_test.h"

using namespace meshx;
using namespace meshx::mesh;
using nlohmann::json;
namespace ep = meshx::consul::endpoints;

namespace {

// A listening socket on 127.0.0.1 at a port the kernel chose: the port a sidecar will not get.
struct TakenPort {
    int fd = -1;
    uint16_t port = 0;
    TakenPort() {
        fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof a;
        if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 && ::listen(fd, 4) == 0 &&
            ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
            port = ntohs(a.sin_port);
        }
    }
    ~TakenPort() { ::close(fd); }
};

}  // namespace

class TestSidecarReady : public QObject {
    Q_OBJECT

    std::unique_ptr<AgentProcess> agent_;
    std::unique_ptr<consul::ConsulClient> client_;
    QTemporaryDir claims_;

    MeshConfig config(const std::string& proxyHost) const {
        MeshConfig c;
        c.agent = *AgentEndpoint::parse(agent_->address().toStdString());
        c.portRangeMin = 24000;
        c.portRangeMax = 24999;
        c.proxyHost = proxyHost;
        c.proxyKinds["built"] = {MESHX_BIN_DIR "/meshx-proxy", "-sidecar-for", "{{id}}"};
        c.proxyTemplate = "built";
        return c;
    }
    // Service ID -> its sidecar's public port, from the agent.
    std::map<std::string, uint16_t> sidecarPorts() {
        std::map<std::string, uint16_t> out;
        auto sidecars = client_->call(ep::agentServices(R"(Kind == "connect-proxy")"));
        if (sidecars) {
            for (const auto& [id, s] : *sidecars) {
                if (s.proxy) {
                    out[s.proxy->destinationServiceId] = static_cast<uint16_t>(s.port);
                }
            }
        }
        return out;
    }
    // The default template with the sidecar's public port fixed to `port` on 127.0.0.1.
    static ServiceTemplate takenTemplate(const ConsulMesh& mesh, uint16_t port) {
        ServiceTemplate tmpl = mesh.defaultTemplate();
        tmpl.registration["Connect"]["SidecarService"]["Port"] = port;
        tmpl.registration["Connect"]["SidecarService"]["Address"] = "127.0.0.1";
        return tmpl;
    }
    // Answered reads of the CA roots so far (the agent logs each finished request at debug).
    qsizetype rootsReads() const {
        return agent_->output().count(QStringLiteral("/v1/agent/connect/ca/roots"));
    }
    size_t servicesOnAgent() {
        auto s = client_->call(ep::agentServices());
        return s ? s->size() : size_t{9999};
    }

  private slots:
    void initTestCase() {
        QVERIFY(claims_.isValid());
        qputenv("MESHX_PORT_CLAIM_DIR", claims_.path().toUtf8());
        // A sidecar range of its own: other tests' agents use the default 21000..21255.
        agent_ = std::make_unique<AgentProcess>(
            0, QStringList{"-sidecar-min-port", "31700", "-sidecar-max-port", "31799", "-log-level",
                           "debug"});
        QVERIFY2(agent_->ok(), qPrintable(agent_->output()));
        client_ = agentClient(*agent_);
        QVERIFY(client_);
    }

    void startReturnsListeningSidecars_data() {
        QTest::addColumn<QString>("proxyHost");
        QTest::addColumn<int>("services");
        QTest::newRow("shared") << "shared" << 30;
        QTest::newRow("per_service") << "per_service" << 6;
    }

    // Right after startBatch (and start) return, every sidecar accepts a connection: one
    // attempt each, no polling.
    void startReturnsListeningSidecars() {
        QFETCH(QString, proxyHost);
        QFETCH(int, services);
        auto mesh = std::move(*ConsulMesh::create(*client_, config(proxyHost.toStdString())));
        std::vector<ServiceParams> params;
        for (int i = 0; i < services; ++i) {
            const std::string id = "ready-" + std::to_string(i);
            params.push_back(ServiceParams::namedWithId("ready", id));
        }
        const qsizetype rootsReadsBefore = rootsReads();
        auto results = mesh->startBatch(params, mesh->defaultTemplate(), false,
                                        std::chrono::milliseconds(90000));
        const qsizetype rootsReadsDuring = rootsReads() - rootsReadsBefore;
        std::vector<std::string> ids;
        for (const auto& r : results) {
            QVERIFY2(r.ok(), r.ok() ? "" : r.error().toString().c_str());
            ids.push_back(r->serviceId);
        }
        // The CA roots: one watch for the whole host (SharedRoots), one per sidecar process.
        if (proxyHost == "shared") {
            QVERIFY2(rootsReadsDuring <= 3, qPrintable(QString::number(rootsReadsDuring)));
        } else {
            QVERIFY2(rootsReadsDuring >= services, qPrintable(QString::number(rootsReadsDuring)));
        }
        auto ports = sidecarPorts();
        for (const auto& id : ids) {
            QVERIFY2(ports.count(id) == 1, id.c_str());
            QVERIFY2(loopbackAcceptsNow(ports[id]),
                     (id + " port " + std::to_string(ports[id])).c_str());
        }
        // One more, alone: start() means listening too.
        auto one = mesh->start(ServiceParams::namedWithId("ready", "ready-single"),
                               mesh->defaultTemplate(), false, std::chrono::milliseconds(60000));
        QVERIFY2(one.ok(), one.ok() ? "" : one.error().toString().c_str());
        ids.push_back("ready-single");
        ports = sidecarPorts();
        QVERIFY(ports.count("ready-single") == 1);
        QVERIFY(loopbackAcceptsNow(ports["ready-single"]));

        for (const auto& st : mesh->stopBatch(ids)) {
            QVERIFY(st.ok());
        }
        QCOMPARE(servicesOnAgent(), size_t{0});
    }

    void portTakenFailsStart_data() {
        QTest::addColumn<QString>("proxyHost");
        QTest::newRow("shared") << "shared";
        QTest::newRow("per_service") << "per_service";
    }

    // A sidecar whose public port stays taken cannot listen: its service's start fails at the
    // deadline with ProxyFailed naming the bind error, and is undone; the batch's others listen.
    void portTakenFailsStart() {
        QFETCH(QString, proxyHost);
        auto mesh = std::move(*ConsulMesh::create(*client_, config(proxyHost.toStdString())));
        TakenPort taken;
        QVERIFY(taken.port != 0);
        ServiceTemplate tmpl = takenTemplate(*mesh, taken.port);
        auto r = mesh->start(ServiceParams::namedWithId("taken", "taken-1"), tmpl, false,
                             std::chrono::milliseconds(3000));
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, Code::ProxyFailed);
        QVERIFY2(r.error().message.find("cannot listen") != std::string::npos &&
                     r.error().message.find("address already in use") != std::string::npos,
                 r.error().message.c_str());
        QCOMPARE(mesh->proxyInfo("taken-1").error().code, Code::ServiceNotOwned);
        QCOMPARE(servicesOnAgent(), size_t{0});

        // In a batch only that service fails; the other listens.
        std::vector<Result<Started>> batch;
        batch = mesh->startBatch({ServiceParams::namedWithId("taken", "taken-2")}, tmpl, false,
                                 std::chrono::milliseconds(3000));
        QVERIFY(!batch.front().ok());
        QCOMPARE(batch.front().error().code, Code::ProxyFailed);
        auto fine =
            mesh->startBatch({ServiceParams::namedWithId("fine", "fine-1")},
                             mesh->defaultTemplate(), false, std::chrono::milliseconds(60000));
        QVERIFY2(fine.front().ok(),
                 fine.front().ok() ? "" : fine.front().error().toString().c_str());
        QVERIFY(loopbackAcceptsNow(sidecarPorts()["fine-1"]));
        QVERIFY(mesh->stop("fine-1").ok());
        QCOMPARE(servicesOnAgent(), size_t{0});
    }

    // A port that is let go during the start (another sidecar still closing, say) is only a
    // delay: the sidecar binds on its retry and the start succeeds, listening.
    void portFreedDuringStartSucceeds() {
        QTemporaryDir logs;
        MeshConfig c = config("shared");
        c.proxyLogDir = logs.path().toStdString();
        auto mesh = std::move(*ConsulMesh::create(*client_, c));
        auto taken = std::make_unique<TakenPort>();
        const uint16_t port = taken->port;
        QVERIFY(port != 0);
        ServiceTemplate tmpl = takenTemplate(*mesh, port);
        auto start = std::async(std::launch::async, [&] {
            return mesh->start(ServiceParams::namedWithId("freed", "freed-1"), tmpl, false,
                               std::chrono::milliseconds(60000));
        });
        // Free the port once the sidecar has failed to bind it (its log says so).
        auto failedToBind = [&] {
            QFile log(logs.filePath(QStringLiteral("freed-1.log")));
            return log.open(QIODevice::ReadOnly) &&
                   QString::fromUtf8(log.readAll())
                       .contains(QStringLiteral("failed to start listener"));
        };
        QTRY_VERIFY_WITH_TIMEOUT(failedToBind(), 30000);
        taken.reset();
        auto r = start.get();
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().toString().c_str());
        QVERIFY(loopbackAcceptsNow(port));
        QVERIFY(mesh->stop("freed-1").ok());
        QCOMPARE(servicesOnAgent(), size_t{0});
    }
};

QTEST_GUILESS_MAIN(TestSidecarReady)
#include "test_sidecar_ready.moc"
