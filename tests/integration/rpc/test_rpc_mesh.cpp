// RPC over the service mesh with every part real: a `meshx-agent -dev` process, providers run as
// `meshx rpc-serve --service service1` (each with its meshx-proxy sidecar, the engine's default
// proxy template), and consumers connecting the upstream `service1` through the engine: as
// `meshx rpc-call --upstream service1` processes (E3) and in-process with ConsulMesh::connect and
// an RpcClientPool of 20 workers (E4: load balancing, SIGKILL of one provider, zero failed calls).

#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <QProcess>
#include <QTemporaryDir>

#include <atomic>
#include <optional>
#include <set>
#include <thread>

#include "agent_process.h"
#include "common/mesh_config.h"
#include "consul/consul_client.h"
#include "mesh/consul_mesh.h"
#include "mesh/service_template.h"
#include "meshx_test.h"
#include "rpc/rpc_client_pool.h"
#include "rpc/transport/socket_ops.h"
#include "rpc_serve_process.h"

using nlohmann::json;
using namespace std::chrono_literals;

namespace {

struct CliRun {
    int exitCode = -1;
    std::vector<json> out;
    std::vector<json> err;
    QString errText;
};

CliRun runMeshx(const QStringList& args, const QProcessEnvironment& env, int timeoutMs = 120000) {
    QProcess p;
    p.setProcessEnvironment(env);
    p.start(meshxBinary(QStringLiteral("meshx")), args);
    CliRun r;
    if (!p.waitForStarted(10000)) {
        return r;
    }
    p.closeWriteChannel();
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished(5000);
        return r;
    }
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = jsonLines(QString::fromUtf8(p.readAllStandardOutput()));
    r.errText = QString::fromUtf8(p.readAllStandardError());
    r.err = jsonLines(r.errText);
    return r;
}

// True while something accepts TCP connections on 127.0.0.1:port.
bool listening(uint16_t port) {
    auto fd = meshx::rpc::transport::connectTo(meshx::net::Address::tcp("127.0.0.1", port), 2s);
    if (!fd) {
        return false;
    }
    ::close(*fd);
    return true;
}

}  // namespace

class TestRpcMesh : public QObject {
    Q_OBJECT

    std::unique_ptr<AgentProcess> agent_;
    QTemporaryDir dir_;
    QProcessEnvironment env_;

    QString logFile(const QString& name) const { return dir_.filePath(name); }

    // The agent's /v1/agent/services, keyed by id.
    json agentServices() {
        meshx::MeshConfig config;
        auto ep = meshx::AgentEndpoint::parse(agent_->address().toStdString());
        if (!ep) {
            return json::object();
        }
        config.agent = *ep;
        auto client = meshx::consul::ConsulClient::create(config);
        if (!client) {
            return json::object();
        }
        meshx::consul::Request request;
        request.path = "/agent/services";
        auto r = (*client)->send(request);
        return r ? json::parse(r->body, nullptr, false) : json::object();
    }

  private slots:
    void initTestCase();
    void meshEchoPingCallCastWithTelemetry();
    void loadBalancingAndFailoverWithoutFailedCalls();
};

void TestRpcMesh::initTestCase() {
    QVERIFY(dir_.isValid());
    agent_ = std::make_unique<AgentProcess>(0);
    QVERIFY2(agent_->ok(), qPrintable(agent_->output()));
    // A port range of our own so parallel suites rarely contend for the same ports.
    const QString configPath = dir_.filePath(QStringLiteral("config.json"));
    QFile f(configPath);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(QByteArray::fromStdString(json{
        {"port_range", {{"min", 34100}, {"max", 34999}}},
        {"start_timeout_ms", 30000}}.dump()));
    f.close();
    env_ = QProcessEnvironment::systemEnvironment();
    env_.insert(QStringLiteral("MESHX_CONFIG"), configPath);
    env_.insert(QStringLiteral("CONSUL_HTTP_ADDR"), agent_->address());
    env_.remove(QStringLiteral("CONSUL_HTTP_TOKEN"));
}

// E3: provider `meshx rpc-serve --service service1`, consumer `meshx rpc-call --upstream
// service1`: echo, ping, call (do_work) and cast work over the mesh, and telemetry shows blocks,
// sizes and ser/dser times on both sides.
void TestRpcMesh::meshEchoPingCallCastWithTelemetry() {
    RpcServeProcess provider;
    QVERIFY2(provider.start({"--service", "service1", "--id", "service1-e3", "--telemetry", "json",
                             "--min-sleep", "1", "--max-sleep", "5"},
                            env_, logFile("e3-provider.err")),
             qPrintable(provider.errors()));
    QCOMPARE(provider.serviceId(), std::string("service1-e3"));
    QCOMPARE(provider.ready()["service"], json("service1"));
    // Ready means reachable: the agent already lists its sidecar as passing.
    QCOMPARE(provider.ready()["connect_passing"], json(true));
    QVERIFY(agentServices().contains("service1-e3-sidecar-proxy"));

    const QStringList consumer = {"rpc-call", "--upstream", "service1", "--proxy", "e3-consumer"};

    auto echo = runMeshx(consumer + QStringList{"--fn", "echo", "--arg", "\"hello mesh\""}, env_);
    QVERIFY2(echo.exitCode == 0, qPrintable(echo.errText));
    QCOMPARE(echo.out.size(), size_t(2));
    QCOMPARE(echo.out[0]["result"], json("hello mesh"));
    QCOMPARE(echo.out[1]["summary"], json(true));
    QCOMPARE(echo.out[1]["failed"], json(0));

    // ping with an argument of several blocks (16384-byte blocks), client telemetry as JSON.
    json big = json::array();
    for (int i = 0; i < 12000; ++i) {
        big.push_back(1000 + i);
    }
    auto ping =
        runMeshx(consumer + QStringList{"--fn", "ping", "--arg", QString::fromStdString(big.dump()),
                                        "--telemetry", "json"},
                 env_);
    QVERIFY2(ping.exitCode == 0, qPrintable(ping.errText.left(2000)));
    QCOMPARE(ping.out[0]["result"], json("pong"));
    bool clientCall = false;
    for (const auto& e : ping.err) {
        if (e.value("telemetry", "") == "call" && e["source"] == "rpc.client" &&
            e["meta"].value("fun_name", "") == "ping" && e["meta"].value("result", "") == "ok") {
            QVERIFY(e["metrics"]["blocks"]["send"].get<int>() >= 2);
            QVERIFY(e["metrics"]["size"]["send"].get<int>() > 16384);
            QVERIFY(e["metrics"]["blocks"]["recv"].get<int>() >= 1);
            QVERIFY(e["metrics"]["time"]["ser"].get<int64_t>() > 0);
            QVERIFY(e["metrics"]["time"].contains("dser"));
            clientCall = true;
        }
    }
    QVERIFY2(clientCall, qPrintable(ping.errText.left(3000)));

    auto work = runMeshx(consumer + QStringList{"--fn", "do_work", "--count", "4"}, env_);
    QVERIFY2(work.exitCode == 0, qPrintable(work.errText));
    QCOMPARE(work.out.size(), size_t(5));
    QCOMPARE(work.out[4]["served_by"], json({{"service1-e3", 4}}));

    auto cast = runMeshx(consumer + QStringList{"--fn", "echo", "--cast", "--arg", "1"}, env_);
    QVERIFY2(cast.exitCode == 0, qPrintable(cast.errText));
    QCOMPARE(cast.out[0]["cast"], json("acked"));

    // The provider's side of the same calls: the multi-block ping decoded (dser time, blocks and
    // bytes received), and the cast.
    bool serverPing = false, serverCast = false;
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            for (const auto& e : jsonLines(provider.errors())) {
                if (e.value("source", "") != "rpc.server")
                    continue;
                const auto& m = e["metrics"];
                if (e["telemetry"] == "call" && e["meta"].value("fun_name", "") == "ping" &&
                    m["blocks"]["recv"].get<int>() >= 2 && m["size"]["recv"].get<int>() > 16384 &&
                    m["time"]["dser"].get<int64_t>() > 0 && m["time"].contains("ser")) {
                    serverPing = true;
                }
                if (e["telemetry"] == "cast" && e["meta"].value("fun_name", "") == "echo") {
                    serverCast = true;
                }
            }
            return serverPing && serverCast;
        }(),
        20000);

    // SIGTERM: stops and deregisters (the service and its sidecar).
    QString out;
    QCOMPARE(provider.terminate(&out), 0);
    QVERIFY(out.contains("\"stopped\":true"));
    const json services = agentServices();
    QVERIFY(!services.contains("service1-e3"));
    QVERIFY(!services.contains("service1-e3-sidecar-proxy"));
}

// E4: two providers of service1, a pool of 20 workers; 20 concurrent do_work calls are served by
// both; one provider is SIGKILLed (its sidecar dies with it: the engine starts sidecars with
// PR_SET_PDEATHSIG); the next 20 calls all succeed on the survivor, and no call fails at all.
//
// Why no call can fail even though the dead instance stays "passing" until its 10 s TTL runs out:
//  - a worker whose connection went through the dead instance sees its connection close before
//    any reply (on its next request, or the pool notices in idle state); it reconnects at once
//    and the pool resends the call there or on another worker, with no back-off (docs/
//    rpc-protocol.md, "Failover and resends"); callers never get a worker that is backing off;
//  - every new connection goes through the consumer's sidecar, which dials the instance it picks;
//    the dead instance's sidecar is gone, so that dial is refused and the proxy moves on to the
//    next healthy instance before the client sees anything (and quarantines the failed one), so
//    the handshake the pool runs on reconnect lands on the survivor.
//  The client-side retry_proxy_fail (1 s) only applies when the local proxy port itself refuses.
void TestRpcMesh::loadBalancingAndFailoverWithoutFailedCalls() {
    RpcServeProcess a, b;
    const QStringList common = {"--service", "service1", "--min-sleep", "20", "--max-sleep", "80"};
    QVERIFY2(a.start(common + QStringList{"--id", "service1-a"}, env_, logFile("e4-a.err")),
             qPrintable(a.errors()));
    QVERIFY2(b.start(common + QStringList{"--id", "service1-b"}, env_, logFile("e4-b.err")),
             qPrintable(b.errors()));
    QCOMPARE(a.ready()["connect_passing"], json(true));
    QCOMPARE(b.ready()["connect_passing"], json(true));
    const json before = agentServices();
    QVERIFY(before.contains("service1-a-sidecar-proxy"));
    const auto sidecarA =
        static_cast<uint16_t>(before["service1-a-sidecar-proxy"]["Port"].get<int>());
    QVERIFY(listening(sidecarA));

    // The consumer: the engine in this process, the upstream on its proxy service's sidecar.
    // Built-in defaults only (CTest points MESHX_CONFIG at nothing; the agent is given here).
    std::optional<meshx::MeshConfig> config(std::in_place);
    auto ep = meshx::AgentEndpoint::parse(agent_->address().toStdString());
    QVERIFY(ep.ok());
    config->agent = *ep;
    config->portRangeMin = 35100;
    config->portRangeMax = 35999;
    config->startTimeoutMs = 30000;
    auto client = meshx::consul::ConsulClient::create(*config);
    QVERIFY(client.ok());
    auto mesh = meshx::mesh::ConsulMesh::create(**client, *config);
    QVERIFY2(mesh.ok(), mesh.ok() ? "" : mesh.error().toString().c_str());
    auto connected = (*mesh)->connect({json("service1")}, meshx::mesh::defaultUpstreamTemplate(),
                                      {"e4-consumer", "e4-consumer"});
    QVERIFY2(connected.ok(), connected.ok() ? "" : connected.error().toString().c_str());
    QCOMPARE(connected->size(), size_t(1));
    QVERIFY(connected->front().ok());
    const meshx::net::Address upstream = *connected->front();
    QTRY_VERIFY_WITH_TIMEOUT(listening(upstream.port()), 30000);

    meshx::rpc::RpcClientOptions options;
    options.address = upstream;
    options.id = "E4.Client";
    options.size = 20;
    meshx::rpc::RpcClientPool pool(options);
    QVERIFY(pool.start().ok());

    std::atomic<int> failures{0};
    std::vector<std::string> errors;
    std::mutex mutex;
    // 20 concurrent do_work calls; the ids that served them.
    auto burst = [&]() {
        std::multiset<std::string> servedBy;
        std::vector<std::thread> threads;
        for (int i = 0; i < 20; ++i) {
            threads.emplace_back([&] {
                auto r = pool.callJson("do_work", nullptr);
                std::lock_guard lock(mutex);
                if (r.ok() && r->is_string()) {
                    servedBy.insert(r->get<std::string>());
                } else {
                    ++failures;
                    errors.push_back(r.ok() ? r->dump() : r.error().toString());
                }
            });
        }
        for (auto& t : threads) {
            t.join();
        }
        return servedBy;
    };

    const auto first = burst();
    QCOMPARE(failures.load(), 0);
    QCOMPARE(first.size(), size_t(20));
    QVERIFY2(first.count("service1-a") > 0 && first.count("service1-b") > 0,
             "20 concurrent calls were not spread over both providers");

    a.sigkill();
    // Its sidecar went with it (no orphan proxy left accepting connections).
    QTRY_VERIFY_WITH_TIMEOUT(!listening(sidecarA), 15000);

    const auto second = burst();
    QVERIFY2(failures.load() == 0, errors.empty() ? "" : errors.front().c_str());
    QCOMPARE(second.size(), size_t(20));
    QCOMPARE(second.count("service1-b"), size_t(20));

    pool.stop();
    auto removed = (*mesh)->disconnect({"service1"}, "e4-consumer", false);
    QVERIFY(removed.ok());
    (*mesh)->stopAll();
    QString out;
    QCOMPARE(b.terminate(&out), 0);
}

QTEST_GUILESS_MAIN(TestRpcMesh)
#include "test_rpc_mesh.moc"
