// Taps of a running mesh, read from outside with curl using only docs/taps.md: a real
// meshx-agent, a provider `meshx rpc-serve --service` and a consumer `meshx rpc-call --upstream`
// as separate processes, each with its meshx-proxy sidecar started by the engine. The agent's
// registrations advertise every tap (Meta "meshx-tap"); each tap streams its process's events.

#include <sys/stat.h>

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <memory>

#include <nlohmann/json.hpp>

#include "agent_process.h"
#include "integration/rpc/rpc_serve_process.h"
#include "integration/telemetry/tap_curl.h"
#include "process_runner.h"

using nlohmann::json;

namespace {

constexpr const char* kService = "tapsvc";
constexpr const char* kProviderId = "tapsvc-1";
constexpr const char* kConsumer = "tap-consumer";

// The Meta "meshx-tap" of every registration the agent holds, keyed by service id.
std::map<std::string, std::string> advertisedTaps(const QString& agent) {
    std::map<std::string, std::string> taps;
    QProcess p;
    p.start(QStringLiteral("/usr/bin/curl"), {QStringLiteral("-s"), agent + "/v1/agent/services"});
    if (!p.waitForFinished(30000)) {
        p.kill();
        p.waitForFinished(5000);
        return taps;
    }
    const auto services = json::parse(p.readAllStandardOutput().toStdString(), nullptr, false);
    if (!services.is_object()) {
        return taps;
    }
    for (const auto& [id, s] : services.items()) {
        const auto meta = s.value("Meta", json::object());
        if (meta.is_object() && meta.contains("meshx-tap")) {
            taps[id] = meta["meshx-tap"].get<std::string>();
        }
    }
    return taps;
}

bool isEvent(const json& j, const std::string& source, const std::string& name) {
    return j.value("type", "") == "event" && j.value("source", "") == source &&
           j.value("name", "") == name;
}

// The call events of `source` that were measured: a subscriber that arrives while a request is
// under way gets that request's event without times (the producer decided not to measure it
// when nobody listened), so those are left out.
std::vector<json> measuredCalls(const std::vector<json>& lines, const std::string& source) {
    std::vector<json> out;
    for (const auto& j : lines) {
        if (isEvent(j, source, "call") &&
            j["metrics"]["time"].value("recv", 0.0) + j["metrics"]["time"].value("exec", 0.0) > 0) {
            out.push_back(j);
        }
    }
    return out;
}

}  // namespace

class TestTapMesh : public QObject {
    Q_OBJECT

    std::unique_ptr<AgentProcess> agent_;
    QTemporaryDir dir_;
    QProcessEnvironment env_;
    RpcServeProcess provider_;
    QProcess consumer_;
    std::map<std::string, std::string> taps_;

    QString file(const QString& name) const { return dir_.filePath(name); }
    QString consumerErrors() const {
        QFile f(file(QStringLiteral("consumer.err")));
        return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
    }

  private slots:
    void initTestCase();
    void cleanupTestCase();
    void registrationsAdvertiseEveryTap();
    void rpcEventsOnBothEnds();
};

void TestTapMesh::initTestCase() {
    QVERIFY(dir_.isValid());
    agent_ = std::make_unique<AgentProcess>();
    QVERIFY2(agent_->ok(), qPrintable(agent_->output()));
    const QString configPath = file(QStringLiteral("config.json"));
    QFile f(configPath);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(QByteArray::fromStdString(json{
        {"port_range", {{"min", 38100}, {"max", 38999}}},
        {"start_timeout_ms", 30000}}.dump()));
    f.close();
    // The sidecars' tap sockets go to a runtime directory of this test only.
    const QString runtime = file(QStringLiteral("run"));
    QVERIFY(QDir().mkpath(runtime));
    QVERIFY(::chmod(runtime.toLocal8Bit().constData(), 0700) == 0);
    env_ = QProcessEnvironment::systemEnvironment();
    env_.insert(QStringLiteral("MESHX_CONFIG"), configPath);
    env_.insert(QStringLiteral("CONSUL_HTTP_ADDR"), agent_->address());
    env_.insert(QStringLiteral("XDG_RUNTIME_DIR"), runtime);
    env_.remove(QStringLiteral("CONSUL_HTTP_TOKEN"));
    env_.remove(QStringLiteral("MESHX_TAP_LISTEN"));
    env_.remove(QStringLiteral("MESHX_TAP_TOKEN_REQUIRED"));

    QVERIFY2(provider_.start({"--service", kService, "--id", kProviderId, "--min-sleep", "20",
                              "--max-sleep", "30"},
                             env_, file(QStringLiteral("provider.err"))),
             qPrintable(provider_.errors()));
    QCOMPARE(provider_.ready()["connect_passing"], json(true));

    // A consumer that keeps calling (do_work sleeps 20-30 ms per call) until the test ends.
    consumer_.setProcessEnvironment(env_);
    consumer_.setStandardOutputFile(QProcess::nullDevice());
    consumer_.setStandardErrorFile(file(QStringLiteral("consumer.err")));
    consumer_.start(meshxBinary(QStringLiteral("meshx")),
                    {"rpc-call", "--upstream", kService, "--proxy", kConsumer, "--fn", "do_work",
                     "--count", "100000"});
    QVERIFY(consumer_.waitForStarted(10000));
    // Registered (with its sidecar) once it says which local port reaches the upstream.
    QTRY_VERIFY2_WITH_TIMEOUT(consumerErrors().contains(QStringLiteral("upstream tapsvc at")),
                              qPrintable(consumerErrors()), 90000);
    taps_ = advertisedTaps(agent_->address());
}

void TestTapMesh::cleanupTestCase() {
    if (consumer_.state() != QProcess::NotRunning) {
        consumer_.terminate();
        if (!consumer_.waitForFinished(20000)) {
            consumer_.kill();
            consumer_.waitForFinished(5000);
        }
    }
    provider_.terminate();
}

// Each registration advertises its own process's tap: the provider's and the consumer's on a
// loopback TCP port, their sidecars' on a unix socket; /v1/tap/info of each names the process.
void TestTapMesh::registrationsAdvertiseEveryTap() {
    const std::string providerSidecar = std::string(kProviderId) + "-sidecar-proxy";
    const std::string consumerSidecar = std::string(kConsumer) + "-sidecar-proxy";
    for (const std::string& id :
         {std::string(kProviderId), std::string(kConsumer), providerSidecar, consumerSidecar}) {
        QVERIFY2(taps_.count(id) == 1 && !taps_[id].empty(), id.c_str());
    }
    QVERIFY(QString::fromStdString(taps_[kProviderId]).startsWith("tcp://127.0.0.1:"));
    QVERIFY(QString::fromStdString(taps_[kConsumer]).startsWith("tcp://127.0.0.1:"));
    QVERIFY(QString::fromStdString(taps_[providerSidecar]).startsWith("unix://"));
    QVERIFY(taps_[providerSidecar] != taps_[consumerSidecar]);

    struct Expect {
        std::string id, program, serviceId;
    };
    for (const auto& e : {Expect{kProviderId, "meshx rpc-serve", kProviderId},
                          Expect{kConsumer, "meshx rpc-call", kConsumer},
                          Expect{providerSidecar, "meshx-proxy", providerSidecar},
                          Expect{consumerSidecar, "meshx-proxy", consumerSidecar}}) {
        const QString body = TapCurl::fetch(taps_[e.id], "/v1/tap/info");
        const auto info = json::parse(body.toStdString(), nullptr, false);
        QVERIFY2(info.is_object(), qPrintable(body));
        QCOMPARE(info["schema"].get<int>(), 1);
        QCOMPARE(info["process"]["program"].get<std::string>(), e.program);
        QCOMPARE(info["process"]["service_id"].get<std::string>(), e.serviceId);
    }
}

// The same calls seen from both ends, each through its own process's tap: the client's and the
// server's call events with their refs and metrics.
void TestTapMesh::rpcEventsOnBothEnds() {
    TapCurl server, client;
    const std::string doWork = "&filter=fun%20%3D%3D%20%22do_work%22";
    QVERIFY(server.start(taps_[kProviderId], "/v1/tap?source=rpc.server" + doWork));
    QVERIFY(client.start(taps_[kConsumer], "/v1/tap?source=rpc.client" + doWork));
    QVERIFY2(server.waitFor(
                 [](const auto& lines) { return measuredCalls(lines, "rpc.server").size() >= 3; }),
             qPrintable(server.text().left(3000)));
    QVERIFY2(client.waitFor(
                 [](const auto& lines) { return measuredCalls(lines, "rpc.client").size() >= 3; }),
             qPrintable(client.text().left(3000)));
    for (const auto* tap : {&server, &client}) {
        const bool isServer = tap == &server;
        const auto& hello = tap->lines().front();
        QCOMPARE(hello["type"].get<std::string>(), std::string("hello"));
        for (const auto& j : measuredCalls(tap->lines(), isServer ? "rpc.server" : "rpc.client")) {
            QCOMPARE(j["meta"]["fun_name"].get<std::string>(), std::string("do_work"));
            QCOMPARE(j["meta"]["result"].get<std::string>(), std::string("ok"));
            QVERIFY(j["meta"].contains("req_ref"));
            QVERIFY(!j["meta"]["local"]["conn_ref"].get<std::string>().empty());
            QVERIFY(!j["meta"]["remote"]["conn_ref"].get<std::string>().empty());
            QVERIFY(j["metrics"]["blocks"]["send"].get<int>() >= 1);
            QVERIFY(j["metrics"]["size"]["recv"].get<int>() > 0);
            QCOMPARE(j["process"]["program"].get<std::string>(),
                     std::string(isServer ? "meshx rpc-serve" : "meshx rpc-call"));
            if (isServer) {
                QCOMPARE(j["meta"]["local"]["svc_ref"].get<std::string>(),
                         std::string(kProviderId));
                QVERIFY2(j["metrics"]["time"]["exec"].get<double>() >= 15000,  // slept 20+ ms
                         j.dump().c_str());
            } else {
                QCOMPARE(j["meta"]["remote"]["svc_ref"].get<std::string>(),
                         std::string(kProviderId));
                QVERIFY2(j["metrics"]["time"]["recv"].get<double>() >= 15000, j.dump().c_str());
            }
        }
    }
}

QTEST_GUILESS_MAIN(TestTapMesh)
#include "test_tap_mesh.moc"
