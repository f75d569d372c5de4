// Taps of a running mesh, read from outside with curl using only docs/taps.md: a real
// meshx-agent, a provider `meshx rpc-serve --service` and a consumer `meshx rpc-call --upstream`
// as separate processes, each with its meshx-proxy sidecar started by the engine. The agent's
// registrations advertise every tap (Meta "meshx-tap"); each tap streams its process's events.

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
#include "mesh_process_env.h"
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

// Flow events (source proxy.flow) named `name`, optionally of one direction.
std::vector<json> flows(const std::vector<json>& lines, const std::string& name,
                        const std::string& direction = {}) {
    std::vector<json> out;
    for (const auto& j : lines) {
        if (isEvent(j, "proxy.flow", name) &&
            (direction.empty() || j["meta"].value("direction", "") == direction)) {
            out.push_back(j);
        }
    }
    return out;
}

// A closed flow of `direction` that carried bytes both ways.
bool carriedBytes(const std::vector<json>& lines, const std::string& direction) {
    for (const auto& c : flows(lines, "closed", direction)) {
        if (c["metrics"]["bytes"]["to_upstream"].get<uint64_t>() > 0 &&
            c["metrics"]["bytes"]["to_downstream"].get<uint64_t>() > 0) {
            return true;
        }
    }
    return false;
}

// Runs `meshx ARGS` to its end (bounded); its exit code, -1 when it had to be killed.
int runMeshx(const QStringList& args, const QProcessEnvironment& env, QString* errors,
             int timeoutMs = 120000) {
    QProcess p;
    p.setProcessEnvironment(env);
    p.setStandardOutputFile(QProcess::nullDevice());
    p.start(meshxBinary(QStringLiteral("meshx")), args);
    if (!p.waitForStarted(10000)) {
        return -1;
    }
    const bool finished = p.waitForFinished(timeoutMs);
    if (!finished) {
        p.kill();
        p.waitForFinished(5000);
    }
    *errors = QString::fromUtf8(p.readAllStandardError());
    return finished && p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
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
    void sidecarFlowEventsBothWays();
    void refusedConnectionNamesTheIntention();
};

void TestTapMesh::initTestCase() {
    QVERIFY(dir_.isValid());
    agent_ = std::make_unique<AgentProcess>(0);
    QVERIFY2(agent_->ok(), qPrintable(agent_->output()));
    QString envError;
    const auto env = meshProcessEnvironment(dir_, agent_->address(), {38100, 38999}, &envError);
    QVERIFY2(env, qPrintable(envError));
    env_ = *env;

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
            // JSON (de)serialization measured on both ends, in nanoseconds: never 0, and the
            // microsecond figures keep the fraction (a small term takes well under 1 us).
            for (const char* k : {"ser", "dser"}) {
                QVERIFY2(j["metrics"]["time_ns"][k].get<int64_t>() > 0, j.dump().c_str());
                QVERIFY2(j["metrics"]["time"][k].get<double>() > 0, j.dump().c_str());
                QCOMPARE(j["metrics"]["time"][k].get<double>(),
                         static_cast<double>(j["metrics"]["time_ns"][k].get<int64_t>()) / 1000.0);
            }
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

// A consumer run subscribed on both sidecars: the provider's sidecar reports the inbound
// connection (accepted with the client's SPIFFE id and the intention that allowed it, closed with
// bytes each way and duration), the consumer's sidecar the outbound one (the instance chosen,
// the server's SPIFFE id, bytes).
void TestTapMesh::sidecarFlowEventsBothWays() {
    const std::string providerSidecar = std::string(kProviderId) + "-sidecar-proxy";
    TapCurl inbound;
    QVERIFY(inbound.start(taps_[providerSidecar], "/v1/tap?source=proxy.flow"));
    QVERIFY(inbound.waitFor([](const auto& lines) { return !lines.empty(); }, 30000));

    // The probe's sidecar tap: advertised at registration, served once its proxy runs; the
    // subscription is retried until the socket answers.
    QProcess probe;
    probe.setProcessEnvironment(env_);
    probe.setStandardOutputFile(QProcess::nullDevice());
    probe.setStandardErrorFile(file(QStringLiteral("probe.err")));
    probe.start(meshxBinary(QStringLiteral("meshx")),
                {"rpc-call", "--upstream", kService, "--proxy", "tap-probe", "--fn", "do_work",
                 "--count", "40"});
    QVERIFY(probe.waitForStarted(10000));
    std::unique_ptr<TapCurl> outbound;
    QDeadlineTimer deadline(90000);
    while (!deadline.hasExpired() && !outbound) {
        const auto taps = advertisedTaps(agent_->address());
        auto it = taps.find("tap-probe-sidecar-proxy");
        if (it != taps.end()) {
            auto curl = std::make_unique<TapCurl>();
            QVERIFY(curl->start(it->second, "/v1/tap?source=proxy.flow"));
            if (curl->waitFor([](const auto& lines) { return !lines.empty(); }, 2000)) {
                outbound = std::move(curl);
                break;
            }
        }
        QTest::qWait(20);
    }
    QVERIFY2(outbound, "the probe's sidecar tap never answered");
    QVERIFY(probe.waitForFinished(120000));
    QCOMPARE(probe.exitCode(), 0);

    // Inbound, at the provider's sidecar: accepted then closed, the same flow_ref. Wait for the
    // close of a connection that carried calls: the probe's empty connections may close (and be
    // streamed, in an earlier tap batch) before the pool's under load.
    QVERIFY2(inbound.waitFor([](const auto& lines) { return carriedBytes(lines, "inbound"); }),
             qPrintable(inbound.text().right(4000)));
    const auto accepted = flows(inbound.lines(), "accepted", "inbound");
    QVERIFY2(!accepted.empty(), qPrintable(inbound.text().left(4000)));
    bool paired = false;
    for (const auto& a : accepted) {
        QCOMPARE(a["meta"]["service"].get<std::string>(), std::string(kService));
        QVERIFY2(a["meta"].value("peer_id", "").find("/svc/tap-probe") != std::string::npos,
                 a.dump().c_str());
        QVERIFY2(!a["meta"].value("intention", "").empty(), a.dump().c_str());
        QVERIFY(a["meta"].value("src", "").rfind("127.0.0.1:", 0) == 0);
        QCOMPARE(a["meta"]["dst"].get<std::string>(), provider_.address().substr(6));
        for (const auto& c : flows(inbound.lines(), "closed", "inbound")) {
            if (c["meta"]["flow_ref"] != a["meta"]["flow_ref"]) {
                continue;
            }
            // Connections that carried nothing (the consumer's probe of its upstream port) end
            // too; the pool's connections carry the calls.
            QVERIFY(c["metrics"]["time"]["duration"].get<int64_t>() > 0);
            QVERIFY(!c["meta"].value("reason", "").empty());
            QCOMPARE(c["meta"]["peer_id"], a["meta"]["peer_id"]);
            paired = paired || (c["metrics"]["bytes"]["to_upstream"].get<uint64_t>() > 0 &&
                                c["metrics"]["bytes"]["to_downstream"].get<uint64_t>() > 0);
        }
    }
    QVERIFY2(paired, qPrintable(inbound.text().left(4000)));

    // Outbound, at the probe's sidecar (its last events are sent as it stops).
    QVERIFY2(outbound->waitFor([](const auto& lines) { return carriedBytes(lines, "outbound"); }),
             qPrintable(outbound->text().left(4000)));
    bool carried = false;
    for (const auto& c : flows(outbound->lines(), "closed", "outbound")) {
        QCOMPARE(c["meta"]["service"].get<std::string>(), std::string(kService));
        const std::string instance = c["meta"].value("instance", "");  // NODE/ID
        QVERIFY2(instance.size() > providerSidecar.size() &&
                     instance.substr(instance.size() - providerSidecar.size() - 1) ==
                         "/" + providerSidecar,
                 c.dump().c_str());
        QVERIFY2(c["meta"].value("peer_id", "").find("/svc/tapsvc") != std::string::npos,
                 c.dump().c_str());
        QCOMPARE(c["process"]["program"].get<std::string>(), std::string("meshx-proxy"));
        carried = carried || (c["metrics"]["bytes"]["to_upstream"].get<uint64_t>() > 0 &&
                              c["metrics"]["bytes"]["to_downstream"].get<uint64_t>() > 0);
    }
    QVERIFY2(carried, qPrintable(outbound->text().left(4000)));
}

// An intention denies a consumer: the provider's sidecar reports the refused connection with
// the client's identity and the intention that decided.
void TestTapMesh::refusedConnectionNamesTheIntention() {
    QProcess put;
    put.start(
        QStringLiteral("/usr/bin/curl"),
        {"-sf", "-X", "PUT", "--data", R"({"Action":"deny"})",
         agent_->address() + "/v1/connect/intentions/exact?source=tap-denied&destination=tapsvc"});
    QVERIFY(put.waitForFinished(30000));
    QCOMPARE(put.exitCode(), 0);

    const std::string providerSidecar = std::string(kProviderId) + "-sidecar-proxy";
    TapCurl inbound;
    QVERIFY(inbound.start(taps_[providerSidecar], "/v1/tap?source=proxy.flow"));
    QVERIFY(inbound.waitFor([](const auto& lines) { return !lines.empty(); }, 30000));
    // `meshx tap` as an operator would run it: human form, the filter pushed down to the tap.
    QProcess watch;
    watch.setProcessEnvironment(env_);
    watch.start(meshxBinary(QStringLiteral("meshx")),
                {"tap", "--address", QString::fromStdString(taps_[providerSidecar]), "--filter",
                 R"(source == "proxy.flow" and event == "refused")", "--count", "1"});
    QVERIFY(watch.waitForStarted(10000));
    QString watchErr;  // "==> meshx tap: ADDR: meshx-proxy[PID] schema 1" once subscribed
    QTRY_VERIFY_WITH_TIMEOUT(
        (watchErr += QString::fromUtf8(watch.readAllStandardError())).contains("schema"), 30000);
    QString errors;
    const int code = runMeshx({"rpc-call", "--upstream", kService, "--proxy", "tap-denied", "--fn",
                               "ping", "--retries", "0"},
                              env_, &errors);
    QVERIFY2(code != 0, qPrintable(errors));
    QVERIFY2(inbound.waitFor(
                 [](const auto& lines) { return !flows(lines, "refused", "inbound").empty(); }),
             qPrintable(inbound.text().left(4000)));
    const json r = flows(inbound.lines(), "refused", "inbound").front();
    QVERIFY2(r["meta"].value("peer_id", "").find("/svc/tap-denied") != std::string::npos,
             r.dump().c_str());
    const std::string intention = r["meta"].value("intention", "");
    QVERIFY2(intention.find("DENY") != std::string::npos, r.dump().c_str());
    QVERIFY2(intention.find("tap-denied") != std::string::npos, r.dump().c_str());
    QCOMPARE(r["meta"]["result"].get<std::string>(), std::string("refused"));
    QVERIFY(r["meta"].value("reason", "").rfind("denied", 0) == 0);
    QVERIFY(flows(inbound.lines(), "accepted", "inbound").empty());

    QVERIFY(watch.waitForFinished(60000));
    QCOMPARE(watch.exitCode(), 0);
    const QString line = QString::fromUtf8(watch.readAllStandardOutput()).trimmed();
    QCOMPARE(line.count(QLatin1Char('\n')), 0);  // exactly the one refused flow
    for (const char* part : {"meshx-proxy[", "proxy.flow  refused  inbound  spiffe://",
                             "/svc/tap-denied -> tapsvc", "intention=\"Matched L4 intention: "}) {
        QVERIFY2(line.contains(QLatin1String(part)), qPrintable(line));
    }
}

QTEST_GUILESS_MAIN(TestTapMesh)
#include "test_tap_mesh.moc"
