#include <QTemporaryDir>

#include <csignal>
#include <set>

#include "agent_client.h"
#include "agent_process.h"
#include "consul/agent_endpoints.h"
#include "consul/consul_client.h"
#include "mesh/consul_mesh.h"
#include "meshx_test.h"
#include "net/port_claim.h"

using namespace meshx;
using namespace meshx::mesh;
namespace ep = meshx::consul::endpoints;

// ConsulMesh::startBatch / stopBatch against a real meshx-agent process with the real
// meshx-proxy as every service's sidecar: all start and pass, a bad entry fails alone, and
// stopping leaves nothing behind (no proxy process, no registration, no port claim).
class TestMeshBatch : public QObject {
    Q_OBJECT

    static constexpr int kServices = 20;

    std::unique_ptr<AgentProcess> agent_;
    std::unique_ptr<consul::ConsulClient> client_;
    QTemporaryDir claims_;

    MeshConfig config() const {
        MeshConfig c;
        c.agent = *AgentEndpoint::parse(agent_->address().toStdString());
        c.portRangeMin = 22000;
        c.portRangeMax = 22999;
        return c;
    }
    static ServiceTemplate proxyTemplate(const ConsulMesh& mesh) {
        ServiceTemplate t = mesh.defaultTemplate();
        t.proxy = std::vector<std::string>{MESHX_BIN_DIR "/meshx-proxy", "-sidecar-for", "{{id}}"};
        return t;
    }
    int healthStatus(const std::string& id) {
        auto h = client_->call(ep::agentHealthById(id));
        return h ? h->httpStatus : -1;
    }
    size_t servicesOnAgent() {
        auto s = client_->call(ep::agentServices());
        return s ? s->size() : size_t{9999};
    }

  private slots:
    void initTestCase() {
        QVERIFY(claims_.isValid());
        // Claims of this test only: other engines on the machine do not disturb the check that
        // every claim was released.
        qputenv("MESHX_PORT_CLAIM_DIR", claims_.path().toUtf8());
        agent_ = std::make_unique<AgentProcess>(0);
        QVERIFY2(agent_->ok(), qPrintable(agent_->output()));
        client_ = agentClient(*agent_);
        QVERIFY(client_);
    }

    void batchStartsAllAndStopLeavesNothing() {
        auto mesh = std::move(*ConsulMesh::create(*client_, config()));
        std::vector<ServiceParams> params;
        for (int i = 0; i < kServices; ++i) {
            params.push_back(ServiceParams::namedWithId("batch", "batch-" + std::to_string(i)));
        }
        // A bad entry in the middle fails alone; so does a repeated id.
        params.insert(params.begin() + 5, ServiceParams::namedWithId("batch", "has space"));
        params.push_back(ServiceParams::namedWithId("batch", "batch-3"));

        auto results =
            mesh->startBatch(params, proxyTemplate(*mesh), false, std::chrono::milliseconds(60000));
        QCOMPARE(results.size(), params.size());
        QCOMPARE(results[5].error().code, Code::InvalidArgument);
        QCOMPARE(results.back().error().code, Code::InvalidArgument);
        std::vector<std::string> ids;
        std::set<uint16_t> ports;
        std::vector<qint64> pids;
        for (size_t i = 0; i < results.size(); ++i) {
            if (i == 5 || i + 1 == results.size()) {
                continue;
            }
            QVERIFY2(results[i].ok(), results[i].ok() ? "" : results[i].error().toString().c_str());
            const std::string& id = results[i]->serviceId;
            ids.push_back(id);
            ports.insert(results[i]->address.port());
            QCOMPARE(healthStatus(id), 200);
            auto sidecar = client_->call(ep::agentService(id + "-sidecar-proxy"));
            QVERIFY2(sidecar.ok(), id.c_str());
            auto info = mesh->proxyInfo(id);
            QVERIFY(info.ok());
            QVERIFY(info->pid > 0);
            QCOMPARE(::kill(static_cast<pid_t>(info->pid), 0), 0);
            pids.push_back(info->pid);
        }
        QCOMPARE(ids.size(), size_t{kServices});
        QCOMPARE(ports.size(), size_t{kServices});  // every service its own port
        QCOMPARE(mesh->list().size(), size_t{kServices});
        QCOMPARE(servicesOnAgent(), size_t{2 * kServices});  // each with its sidecar
        // The ports are claimed while the services run.
        for (uint16_t port : ports) {
            auto claim = net::PortClaim::tryClaim(claims_.path().toStdString(),
                                                  net::Address::tcp("127.0.0.1", port));
            QVERIFY(claim.ok());
            QVERIFY(*claim == nullptr);
        }

        ids.push_back("never-started");
        const auto stopped = mesh->stopBatch(ids);
        QCOMPARE(stopped.size(), ids.size());
        for (size_t i = 0; i + 1 < stopped.size(); ++i) {
            QVERIFY2(stopped[i].ok(), stopped[i].ok() ? "" : stopped[i].error().toString().c_str());
        }
        QCOMPARE(stopped.back().error().code, Code::ServiceNotOwned);

        // Nothing left: no registration, no process, no claim.
        QCOMPARE(servicesOnAgent(), size_t{0});
        QVERIFY(mesh->list().empty());
        for (qint64 pid : pids) {
            QVERIFY(::kill(static_cast<pid_t>(pid), 0) != 0);
        }
        for (uint16_t port : ports) {
            auto claim = net::PortClaim::tryClaim(claims_.path().toStdString(),
                                                  net::Address::tcp("127.0.0.1", port));
            QVERIFY(claim.ok());
            QVERIFY2(*claim != nullptr, std::to_string(port).c_str());
        }
    }

    // stopAll (shutdown) takes the same batched path.
    void stopAllLeavesNothing() {
        auto mesh = std::move(*ConsulMesh::create(*client_, config()));
        std::vector<ServiceParams> params;
        for (int i = 0; i < 5; ++i) {
            params.push_back(ServiceParams::namedWithId("all", "all-" + std::to_string(i)));
        }
        auto results =
            mesh->startBatch(params, proxyTemplate(*mesh), false, std::chrono::milliseconds(60000));
        std::vector<qint64> pids;
        for (const auto& r : results) {
            QVERIFY2(r.ok(), r.ok() ? "" : r.error().toString().c_str());
            pids.push_back(mesh->proxyInfo(r->serviceId)->pid);
        }
        QCOMPARE(servicesOnAgent(), size_t{10});
        mesh->stopAll();
        QCOMPARE(servicesOnAgent(), size_t{0});
        for (qint64 pid : pids) {
            QVERIFY(::kill(static_cast<pid_t>(pid), 0) != 0);
        }
    }
};

QTEST_GUILESS_MAIN(TestMeshBatch)
#include "test_mesh_batch.moc"
