// Failover under continuous load, every part real (issue 14): a `meshx-agent -dev` process, two
// providers as `meshx rpc-serve --service NAME` processes with their meshx-proxy sidecars, and the
// caller as the user ran it:
//
//   meshx rpc-call --upstream NAME --fn do_work --count 4000 --concurrency 20 --pool-size 20
//     client pool -> upstream listener of the caller's meshx-proxy -> mTLS -> provider's sidecar
//     -> provider
//
// Once about a quarter of the calls are done, provider a is SIGKILLed:
//  - provider: its sidecar dies with it (the engine's sidecars get PR_SET_PDEATHSIG);
//  - sidecar: only its sidecar, which its engine restarts;
//  - provider, sidecar alive: a's sidecar runs as its own process (a template without a proxy
//    command, the sidecar started here), so it keeps accepting connections for a service that is
//    gone, and the agent keeps a "passing" for the rest of the run (10 s TTL).
// No call may fail: the caller's sidecar ejects the instance it could not use and dials the
// connection being set up again on the other one; a's surviving sidecar resets new connections
// before their TLS handshake once its service is gone; the client pool resends the calls that
// were on connections the kill cut. The slowest call is printed, not asserted (shared machine).
//
// This test once failed with a serving nothing before the kill: every dev agent gave its first
// sidecar port 21000, and another suite's agent had given the same port to its own sidecar, so
// the caller's sidecar reached a foreign sidecar for a, failed the handshake and ejected a. Dev
// agents now claim sidecar ports host-wide (test_agent_sidecar_ports); the sidecars' warnings
// (proxy_log_dir) are in this test's failure messages.

#include <signal.h>

#include <QDeadlineTimer>
#include <QDir>
#include <QProcess>
#include <QTemporaryDir>

#include "agent_process.h"
#include "consul/consul_client.h"
#include "mesh_processes.h"
#include "meshx_test.h"
#include "rpc_call_run.h"
#include "rpc_serve_process.h"

using nlohmann::json;

namespace {

constexpr int kCalls = 4000;
constexpr int kKillAfter = 900;  // completed calls (about 2.5 s in at the default 10..100 ms)

enum class Kill { Provider, Sidecar, ProviderWithSidecarAlive };

}  // namespace

class TestMeshFailover : public QObject {
    Q_OBJECT

    std::unique_ptr<AgentProcess> agent_;
    QTemporaryDir dir_;
    QProcessEnvironment env_;

    // True once the agent lists the service `id`.
    bool registered(const std::string& id) {
        meshx::MeshConfig config;
        auto ep = meshx::AgentEndpoint::parse(agent_->address().toStdString());
        if (!ep) {
            return false;
        }
        config.agent = *ep;
        auto client = meshx::consul::ConsulClient::create(config);
        if (!client) {
            return false;
        }
        meshx::consul::Request request;
        request.path = "/agent/services";
        auto r = (*client)->send(request);
        return r && json::parse(r->body, nullptr, false).contains(id);
    }

    // The warnings every engine-run sidecar of this test wrote (proxy_log_dir), for failure
    // messages: an "instance ejected" there explains calls that all went to one instance.
    QString sidecarWarnings() const {
        QString out;
        const QDir logs(dir_.filePath(QStringLiteral("proxy-logs")));
        for (const QString& name : logs.entryList({QStringLiteral("*.log")}, QDir::Files)) {
            QFile f(logs.filePath(name));
            if (!f.open(QIODevice::ReadOnly)) {
                continue;
            }
            for (const QByteArray& line : f.readAll().split('\n')) {
                if (line.contains("[WARN]") || line.contains("[ERROR]")) {
                    out +=
                        name + QStringLiteral(": ") + QString::fromUtf8(line) + QLatin1Char('\n');
                }
            }
        }
        return out.right(4000);
    }

    // Two providers of `service` and a caller of 4000 do_work calls; after kKillAfter calls
    // completed, `kill` happens to provider a. Checks that every call succeeded.
    void runWithKill(const QString& service, Kill kill);

  private slots:
    void initTestCase();
    void providerKilledUnderLoadFailsNoCall() {
        runWithKill(QStringLiteral("service1"), Kill::Provider);
    }
    void sidecarKilledUnderLoadFailsNoCall() {
        runWithKill(QStringLiteral("service2"), Kill::Sidecar);
    }
    void providerKilledWithItsSidecarAliveFailsNoCall() {
        runWithKill(QStringLiteral("service3"), Kill::ProviderWithSidecarAlive);
    }
};

void TestMeshFailover::initTestCase() {
    QVERIFY(dir_.isValid());
    agent_ = std::make_unique<AgentProcess>(0);
    QVERIFY2(agent_->ok(), qPrintable(agent_->output()));
    // A port range of our own so parallel suites rarely contend for the same ports.
    const QString configPath = dir_.filePath(QStringLiteral("config.json"));
    QFile f(configPath);
    QVERIFY(f.open(QIODevice::WriteOnly));
    // `external-sidecar`: the default template without a proxy command (the test runs it).
    f.write(
        QByteArray::fromStdString(json{{"port_range", {{"min", 36100}, {"max", 36999}}},
                                       {"start_timeout_ms", 30000},
                                       {"proxy_log_dir", dir_.filePath("proxy-logs").toStdString()},
                                       {"templates", {{"external-sidecar", {{"proxy", nullptr}}}}}}
                                      .dump()));
    f.close();
    env_ = QProcessEnvironment::systemEnvironment();
    env_.insert(QStringLiteral("MESHX_CONFIG"), configPath);
    env_.insert(QStringLiteral("CONSUL_HTTP_ADDR"), agent_->address());
    env_.remove(QStringLiteral("CONSUL_HTTP_TOKEN"));
}

void TestMeshFailover::runWithKill(const QString& service, Kill kill) {
    RpcServeProcess a, b;
    const QString idA = service + QStringLiteral("-a");
    const QString idB = service + QStringLiteral("-b");
    std::unique_ptr<MeshProcess> externalSidecar;
    if (kill == Kill::ProviderWithSidecarAlive) {
        QVERIFY(a.launch({"--service", service, "--id", idA, "--template", "external-sidecar"},
                         env_, dir_.filePath(idA + ".err")));
        const std::string sidecarId = idA.toStdString() + "-sidecar-proxy";
        QTRY_VERIFY2_WITH_TIMEOUT(registered(sidecarId), qPrintable(a.errors()), 30000);
        externalSidecar = std::make_unique<MeshProcess>(dir_.filePath(idA + "-sidecar.log"));
        QVERIFY(externalSidecar->start("meshx-proxy",
                                       {"-sidecar-for", idA, "-http-addr", agent_->address()}));
        QVERIFY2(a.waitReady(), qPrintable(a.errors()));
    } else {
        QVERIFY2(a.start({"--service", service, "--id", idA}, env_, dir_.filePath(idA + ".err")),
                 qPrintable(a.errors()));
    }
    QVERIFY2(b.start({"--service", service, "--id", idB}, env_, dir_.filePath(idB + ".err")),
             qPrintable(b.errors()));
    QCOMPARE(a.ready()["connect_passing"], json(true));
    QCOMPARE(b.ready()["connect_passing"], json(true));
    pid_t sidecar = 0;
    if (kill == Kill::Sidecar) {
        QTRY_VERIFY_WITH_TIMEOUT((sidecar = a.sidecarPid()) != 0, 10000);
    }

    RpcCallRun caller;
    QVERIFY(caller.start({"--upstream", service, "--proxy", service + "-caller", "--fn", "do_work",
                          "--count", QString::number(kCalls), "--concurrency", "20", "--pool-size",
                          "20", "--conn-max-age", "1000"},
                         env_, dir_.filePath(service + QStringLiteral("-caller.err"))));
    // Bounded: 4000 calls take about 11 s at 20 in parallel; a loaded machine gets 4 minutes.
    QDeadlineTimer deadline(240000);
    bool killed = false;
    double killedAtMs = 0;
    while (caller.poll(100)) {
        if (deadline.hasExpired()) {
            caller.kill();
            QFAIL("meshx rpc-call did not finish within 240 s");
        }
        if (!killed && caller.calls().size() >= size_t(kKillAfter)) {
            if (kill == Kill::Sidecar) {
                QCOMPARE(::kill(sidecar, SIGKILL), 0);
            } else {
                a.sigkill();
            }
            killed = true;
            killedAtMs = caller.elapsedMs();
        }
    }
    QVERIFY2(killed, "the run ended before the kill");

    const auto servedBy = caller.servedBy();
    std::string firstError;
    for (const auto& c : caller.calls()) {
        if (!c.ok) {
            firstError = c.error;
            break;
        }
    }
    // `resends`: calls the client pool sent again after their connection closed (when the
    // pool reports it).
    qInfo(
        "%s kill: %zu calls, %d failed, slowest %.1f ms (%.1f ms from the kill on), resends %s, "
        "served_by %s",
        kill == Kill::Provider  ? "provider"
        : kill == Kill::Sidecar ? "sidecar"
                                : "provider (sidecar alive)",
        caller.calls().size(), caller.failed(), caller.slowestMs(), caller.slowestMs(killedAtMs),
        caller.summary().value("resends", json()).dump().c_str(), json(servedBy).dump().c_str());
    QCOMPARE(caller.calls().size(), size_t(kCalls));
    QVERIFY2(caller.failed() == 0, qPrintable(QString::fromStdString(firstError) +
                                              QLatin1Char('\n') + sidecarWarnings()));
    QCOMPARE(caller.summary().value("failed", -1), 0);
    QCOMPARE(caller.exitCode(), 0);

    const std::string a_ = idA.toStdString(), b_ = idB.toStdString();
    QVERIFY2(servedBy.count(a_) && servedBy.at(a_) > 0, qPrintable(sidecarWarnings()));
    if (kill == Kill::Sidecar) {
        QVERIFY2(servedBy.count(b_) && servedBy.at(b_) > 0, qPrintable(sidecarWarnings()));
        // The engine of provider a restarted its sidecar (a new process).
        QTRY_VERIFY_WITH_TIMEOUT(a.sidecarPid() != 0 && a.sidecarPid() != sidecar, 15000);
    } else {
        if (kill == Kill::ProviderWithSidecarAlive) {
            // a's sidecar outlived its service all along (the case this run is about) and found
            // it gone.
            QVERIFY(externalSidecar->running());
            const QString log = externalSidecar->output() + externalSidecar->errors();
            QVERIFY2(log.contains("proxy.inbound: failed to dial"), qPrintable(log.right(3000)));
        }
        // The survivor served everything after the kill (give or take the calls in flight).
        QVERIFY2(servedBy.count(b_) && servedBy.at(b_) > kCalls - kKillAfter - 100,
                 qPrintable(sidecarWarnings()));
        QVERIFY(!a.running());
    }
    QString out;
    QCOMPARE(b.terminate(&out), 0);
    a.kill();
}

QTEST_GUILESS_MAIN(TestMeshFailover)
#include "test_mesh_failover.moc"
