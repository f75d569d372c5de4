#include <QFile>
#include <QTcpSocket>
#include <QTemporaryDir>

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <set>
#include <thread>

#include "agent_process.h"
#include "consul/agent_endpoints.h"
#include "consul/consul_client.h"
#include "mesh/consul_mesh.h"
#include "mesh/service_template.h"
#include "meshx_test.h"
#include "net/port_claim.h"

using namespace meshx;
using namespace meshx::mesh;
using nlohmann::json;
namespace ep = meshx::consul::endpoints;

namespace {

// The local application behind one sidecar: answers every chunk with "<tag>:<chunk>", so a call
// proves which service it reached. One thread, poll() with a short timeout so it can stop.
class TaggedEcho {
  public:
    TaggedEcho(uint16_t port, std::string tag) : tag_(std::move(tag)) {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int one = 1;
        ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ok_ = ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 && ::listen(fd_, 16) == 0;
        if (ok_) {
            thread_ = std::thread([this] { run(); });
        }
    }
    ~TaggedEcho() {
        stop_ = true;
        if (thread_.joinable()) {
            thread_.join();
        }
        ::close(fd_);
    }
    bool ok() const { return ok_; }

  private:
    void run() {
        while (!stop_) {
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, 50) <= 0) {
                continue;
            }
            const int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
            if (c < 0) {
                continue;
            }
            // One connection at a time, bounded: the test sends one short message per call.
            for (int turns = 0; turns < 100 && !stop_; ++turns) {
                pollfd q{c, POLLIN, 0};
                if (::poll(&q, 1, 50) <= 0) {
                    continue;
                }
                char buf[512];
                const ssize_t n = ::read(c, buf, sizeof buf);
                if (n <= 0) {
                    break;
                }
                const std::string reply = tag_ + ":" + std::string(buf, static_cast<size_t>(n));
                if (::write(c, reply.data(), reply.size()) < 0) {
                    break;
                }
            }
            ::close(c);
        }
    }
    std::string tag_;
    int fd_ = -1;
    bool ok_ = false;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

// One call through an upstream listener: true when the reply is `expected`.
bool callThrough(const net::Address& upstream, const QByteArray& message,
                 const QByteArray& expected) {
    QTcpSocket s;
    s.connectToHost(QString::fromStdString(upstream.host()), upstream.port());
    if (!s.waitForConnected(2000)) {
        return false;
    }
    s.write(message);
    if (!s.waitForBytesWritten(2000)) {
        return false;
    }
    QByteArray got;
    while (got.size() < expected.size() && s.waitForReadyRead(3000)) {
        got += s.readAll();
    }
    return got == expected;
}

}  // namespace

// proxy_host: shared with real processes: a meshx-agent, one `meshx-proxy -host` serving every
// sidecar of the engine, real local applications behind them. 20 services start in one batch in
// one host process, calls flow through the host's upstream and public listeners to each, one
// sidecar restarts alone while the others serve, kill -9 of the host brings every sidecar back
// (in a new host), a sidecar that cannot start fails only its service, and stopping leaves
// nothing behind.
class TestProxyHost : public QObject {
    Q_OBJECT

    static constexpr int kServices = 20;

    std::unique_ptr<AgentProcess> agent_;
    std::unique_ptr<consul::ConsulClient> client_;
    QTemporaryDir claims_;
    QTemporaryDir logs_;

    MeshConfig config() const {
        MeshConfig c;
        c.agent = *AgentEndpoint::parse(agent_->address().toStdString());
        c.portRangeMin = 23000;
        c.portRangeMax = 23999;
        c.proxyHost = "shared";
        c.maxProxyRestarts = 3;
        c.proxyLogDir = logs_.path().toStdString();
        // The build's meshx-proxy for services and for connect()'s upstream proxy service.
        c.proxyKinds["built"] = {MESHX_BIN_DIR "/meshx-proxy", "-sidecar-for", "{{id}}"};
        c.proxyTemplate = "built";
        return c;
    }
    size_t servicesOnAgent() {
        auto s = client_->call(ep::agentServices());
        return s ? s->size() : size_t{9999};
    }
    QString logOf(const std::string& id) {
        QFile f(logs_.filePath(QString::fromStdString(id + ".log")));
        return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
    }
    static std::string id(int i) { return "hsvc-" + std::to_string(i); }

  private slots:
    void initTestCase() {
        QVERIFY(claims_.isValid());
        QVERIFY(logs_.isValid());
        qputenv("MESHX_PORT_CLAIM_DIR", claims_.path().toUtf8());
        agent_ = std::make_unique<AgentProcess>(0);
        QVERIFY2(agent_->ok(), qPrintable(agent_->output()));
        MeshConfig c;
        c.agent = *AgentEndpoint::parse(agent_->address().toStdString());
        client_ = std::move(*consul::ConsulClient::create(c));
    }

    void sharedHostServesRestartsAndSurvivesKill() {
        auto mesh = std::move(*ConsulMesh::create(*client_, config()));
        std::vector<ServiceParams> params;
        for (int i = 0; i < kServices; ++i) {
            params.push_back(ServiceParams::namedWithId(id(i), id(i)));
        }
        // All at the same instant: one batch, one host process.
        auto results = mesh->startBatch(params, mesh->defaultTemplate(), false,
                                        std::chrono::milliseconds(90000));
        QCOMPARE(results.size(), params.size());
        std::vector<std::unique_ptr<TaggedEcho>> apps;
        std::set<uint16_t> ports;
        std::set<qint64> hostPids;
        for (int i = 0; i < kServices; ++i) {
            const auto& r = results[static_cast<size_t>(i)];
            QVERIFY2(r.ok(), r.ok() ? "" : r.error().toString().c_str());
            ports.insert(r->address.port());
            apps.push_back(std::make_unique<TaggedEcho>(r->address.port(), id(i)));
            QVERIFY(apps.back()->ok());
            auto info = mesh->proxyInfo(id(i));
            QVERIFY(info.ok());
            QVERIFY(info->hosted);
            QCOMPARE(info->state, ProxyState::Running);
            hostPids.insert(info->pid);
        }
        QCOMPARE(hostPids.size(), size_t{1});  // one process serves every sidecar
        const qint64 hostPid = *hostPids.begin();
        QVERIFY(hostPid > 0);
        QCOMPARE(::kill(static_cast<pid_t>(hostPid), 0), 0);

        // An upstream proxy service (its sidecar hosted too) with one upstream per service.
        std::vector<json> names;
        for (int i = 0; i < kServices; ++i) {
            names.emplace_back(id(i));
        }
        auto up = mesh->connect(names, defaultUpstreamTemplate(), ProxyService{"caller", "caller"});
        QVERIFY2(up.ok(), up.ok() ? "" : up.error().toString().c_str());
        QCOMPARE(up->size(), size_t{kServices});
        std::vector<net::Address> upstream;
        for (const auto& a : *up) {
            QVERIFY(a.ok());
            upstream.push_back(*a);
        }
        QCOMPARE(mesh->proxyInfo("caller")->pid, hostPid);
        for (int i = 0; i < kServices; ++i) {
            const QByteArray expected = QByteArray::fromStdString(id(i) + ":ping");
            QTRY_VERIFY2_WITH_TIMEOUT(
                callThrough(upstream[static_cast<size_t>(i)], "ping", expected),
                qPrintable(QString::fromStdString(id(i))), 30000);
        }
        // Each service's log holds its own sidecar's lines only.
        for (int i : {0, 7, 19}) {
            const QString log = logOf(id(i));
            QVERIFY2(log.contains(QString::fromStdString("Sidecar for ID: " + id(i) + "\n")),
                     qPrintable(log));
            QVERIFY(!log.contains(
                QString::fromStdString("Sidecar for ID: " + id((i + 1) % kServices) + "\n")));
        }

        // Restart one sidecar: only it starts again, in the same host; the others keep serving.
        QVERIFY(mesh->proxyRestart(id(3)).ok());
        QVERIFY(callThrough(upstream[0], "during", QByteArray::fromStdString(id(0) + ":during")));
        QTRY_COMPARE_WITH_TIMEOUT(
            logOf(id(3)).count(QStringLiteral("Consul Connect proxy starting")), qsizetype{2},
            30000);
        QTRY_COMPARE_WITH_TIMEOUT(mesh->proxyInfo(id(3))->state, ProxyState::Running, 30000);
        QCOMPARE(mesh->proxyInfo(id(3))->pid, hostPid);
        QCOMPARE(logOf(id(0)).count(QStringLiteral("Consul Connect proxy starting")), qsizetype{1});
        QCOMPARE(logOf(id(4)).count(QStringLiteral("Consul Connect proxy starting")), qsizetype{1});
        QTRY_VERIFY_WITH_TIMEOUT(
            callThrough(upstream[3], "again", QByteArray::fromStdString(id(3) + ":again")), 30000);

        // kill -9 the host: every sidecar is restarted, in one new host process, and serves.
        QCOMPARE(::kill(static_cast<pid_t>(hostPid), SIGKILL), 0);
        qint64 newHost = 0;
        // True once every service's sidecar runs again, once restarted, all in one new host.
        auto allBackInNewHost = [&] {
            std::set<qint64> pids;
            for (int i = 0; i < kServices; ++i) {
                auto info = mesh->proxyInfo(id(i));
                if (!info || info->state != ProxyState::Running || info->restarts != 1) {
                    return false;
                }
                pids.insert(info->pid);
            }
            if (pids.size() != 1 || *pids.begin() == hostPid || *pids.begin() <= 0) {
                return false;
            }
            newHost = *pids.begin();
            return true;
        };
        QTRY_VERIFY_WITH_TIMEOUT(allBackInNewHost(), 60000);
        QVERIFY(::kill(static_cast<pid_t>(hostPid), 0) != 0);
        QVERIFY(mesh->proxyInfo(id(5))->lastExitReason.find("proxy host exited: signal 9") !=
                std::string::npos);
        QTRY_COMPARE_WITH_TIMEOUT(mesh->proxyInfo("caller")->pid, newHost, 60000);
        for (int i = 0; i < kServices; ++i) {
            const QByteArray expected = QByteArray::fromStdString(id(i) + ":back");
            QTRY_VERIFY2_WITH_TIMEOUT(
                callThrough(upstream[static_cast<size_t>(i)], "back", expected),
                qPrintable(QString::fromStdString(id(i))), 30000);
        }

        // Stop all: no registration, no host process, no port claim left.
        mesh->stopAll();
        QCOMPARE(servicesOnAgent(), size_t{0});
        QVERIFY(mesh->list().empty());
        QVERIFY(::kill(static_cast<pid_t>(newHost), 0) != 0);
        for (uint16_t port : ports) {
            auto claim = net::PortClaim::tryClaim(claims_.path().toStdString(),
                                                  net::Address::tcp("127.0.0.1", port));
            QVERIFY(claim.ok());
            QVERIFY2(*claim != nullptr, std::to_string(port).c_str());
        }
    }

    // A sidecar that cannot start fails its own service's start with a typed error; the host and
    // its other sidecars run on.
    void failingSidecarFailsOnlyItsService() {
        auto mesh = std::move(*ConsulMesh::create(*client_, config()));
        std::vector<ServiceParams> params;
        for (int i = 0; i < 3; ++i) {
            params.push_back(ServiceParams::namedWithId("fine", "fine-" + std::to_string(i)));
        }
        auto results = mesh->startBatch(params, mesh->defaultTemplate(), false,
                                        std::chrono::milliseconds(60000));
        for (const auto& r : results) {
            QVERIFY2(r.ok(), r.ok() ? "" : r.error().toString().c_str());
        }
        const qint64 hostPid = mesh->proxyInfo("fine-0")->pid;

        // No TTL worker: the check stays critical, so only the sidecar's exit can end the wait
        // (with one, the service could pass before the host reports the exit).
        ServiceTemplate bad = mesh->defaultTemplate();
        bad.ttl.reset();
        bad.proxy = std::vector<std::string>{MESHX_BIN_DIR "/meshx-proxy", "-sidecar-for", "{{id}}",
                                             "-no-such-flag"};
        auto failed = mesh->start(ServiceParams::namedWithId("broken", "broken-1"), bad, false,
                                  std::chrono::milliseconds(30000));
        QVERIFY(!failed.ok());
        QCOMPARE(failed.error().code, Code::ProxyFailed);
        QVERIFY2(failed.error().message.find("exit code 2") != std::string::npos,
                 failed.error().message.c_str());
        QVERIFY(mesh->proxyInfo("broken-1").error().code == Code::ServiceNotOwned);
        for (int i = 0; i < 3; ++i) {
            auto info = mesh->proxyInfo("fine-" + std::to_string(i));
            QVERIFY(info.ok());
            QCOMPARE(info->pid, hostPid);
            QCOMPARE(info->restarts, 0);
            QCOMPARE(info->state, ProxyState::Running);
        }
        QCOMPARE(::kill(static_cast<pid_t>(hostPid), 0), 0);
        QVERIFY(logOf("broken-1").contains(QStringLiteral("no-such-flag")));

        const auto stopped = mesh->stopBatch({"fine-0", "fine-1", "fine-2"});
        for (const auto& st : stopped) {
            QVERIFY(st.ok());
        }
        QCOMPARE(servicesOnAgent(), size_t{0});
        QVERIFY(::kill(static_cast<pid_t>(hostPid), 0) != 0);
    }
};

QTEST_GUILESS_MAIN(TestProxyHost)
#include "test_proxy_host.moc"
