// A tap read from outside this process: curl as docs/taps.md shows it, `meshx tap --address`
// and `meshx tap --service` (through a real meshx-agent) as processes, while this process
// publishes; and a tap over real RPC calls with a shared key and a required token carries
// neither.

#include <poll.h>

#include <QDeadlineTimer>
#include <QProcess>
#include <QtTest>

#include <nlohmann/json.hpp>

#include "agent_process.h"
#include "common/mesh_config.h"
#include "consul/agent_endpoints.h"
#include "consul/consul_client.h"
#include "process_runner.h"
#include "rpc/rpc_client_pool.h"
#include "rpc/rpc_server.h"
#include "telemetry/in_process_bus.h"
#include "telemetry/tap/tap_client.h"
#include "telemetry/tap/tap_protocol.h"
#include "telemetry/tap/tap_server.h"

using namespace meshx;
using namespace meshx::telemetry;
using Json = nlohmann::json;

namespace {

Event callEvent(const std::string& fun, int ref) {
    Event e;
    e.source = "rpc.server";
    e.name = "call";
    e.metrics = {{"time", {{"exec", 12}}}, {"size", {{"send", 10}, {"recv", 20}}}};
    e.meta = {{"fun_name", fun}, {"fun_req", "call"}, {"result", "ok"}, {"req_ref", ref}};
    return e;
}

TapServer::Options optionsFor(InProcessBus& bus, const std::string& program) {
    TapServer::Options o;
    o.bus = &bus;
    o.process = TapProcess::current(program);
    o.heartbeat = std::chrono::milliseconds(300);
    return o;
}

// Runs `p` until it exits or `enough(stdout so far)`, calling `publish` every ~50 ms.
QString drive(QProcess& p, const std::function<void()>& publish,
              const std::function<bool(const QString&)>& enough, int timeoutMs = 60000) {
    QString out;
    QDeadlineTimer deadline(timeoutMs);
    while (!deadline.hasExpired()) {
        publish();
        p.waitForReadyRead(50);
        out += QString::fromUtf8(p.readAllStandardOutput());
        if (enough(out) || p.state() == QProcess::NotRunning) {
            break;
        }
    }
    p.waitForFinished(10000);
    out += QString::fromUtf8(p.readAllStandardOutput());
    return out;
}

}  // namespace

class TestTapProcess : public QObject {
    Q_OBJECT

  private slots:
    void curlReadsTapAsDocumented();
    void meshxTapAddressShowsEvents();
    void meshxTapBadFilterIsBadInput();
    void meshxTapServiceMergesTapsFoundThroughAgent();
    void tapOfRealCallsCarriesNoSecret();
};

void TestTapProcess::curlReadsTapAsDocumented() {
    InProcessBus bus;
    TapServer tap(optionsFor(bus, "test-producer"));
    auto addr = tap.start();
    QVERIFY(addr.ok());
    // docs/taps.md: curl -sN
    // 'http://127.0.0.1:PORT/v1/tap?filter=fun%20%3D%3D%20%22echo%22&source=rpc'
    const QString url =
        QStringLiteral("http://127.0.0.1:%1/v1/tap?filter=fun%20%3D%3D%20%22echo%22&source=rpc")
            .arg(addr->port());
    QProcess curl;
    curl.start(QStringLiteral("/usr/bin/curl"), {QStringLiteral("-sN"), url});
    QVERIFY(curl.waitForStarted(10000));
    int ref = 0;
    const QString out = drive(
        curl,
        [&] {
            bus.publish(callEvent("sleep", ++ref));
            bus.publish(callEvent("echo", ++ref));
        },
        [](const QString& s) { return s.count(QStringLiteral("\"type\":\"event\"")) >= 3; });
    curl.kill();
    curl.waitForFinished(5000);
    const QStringList lines = out.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QVERIFY2(lines.size() >= 4, qPrintable(out));
    const Json hello = Json::parse(lines[0].toStdString());
    QCOMPARE(hello["type"].get<std::string>(), std::string("hello"));
    QCOMPARE(hello["schema"].get<int>(), 1);
    QCOMPARE(hello["filter"].get<std::string>(), std::string("fun == \"echo\""));
    int events = 0;
    for (int i = 1; i < lines.size(); ++i) {
        const Json j = Json::parse(lines[i].toStdString(), nullptr, false);
        if (j.is_discarded()) {
            continue;  // the last line may be cut by the kill
        }
        if (j["type"] == "event") {
            QCOMPARE(j["meta"]["fun_name"].get<std::string>(), std::string("echo"));
            QCOMPARE(j["process"]["program"].get<std::string>(), std::string("test-producer"));
            ++events;
        }
    }
    QVERIFY(events >= 3);
}

void TestTapProcess::meshxTapAddressShowsEvents() {
    InProcessBus bus;
    TapServer tap(optionsFor(bus, "test-producer"));
    auto addr = tap.start();
    QVERIFY(addr.ok());
    tap.setServiceId("producer-1");
    int ref = 0;
    {
        QProcess p;
        p.start(meshxBinary(QStringLiteral("meshx")),
                {QStringLiteral("tap"), QStringLiteral("--address"),
                 QString::fromStdString(addr->toString()), QStringLiteral("--filter"),
                 QStringLiteral("fun == echo"), QStringLiteral("--count"), QStringLiteral("3")});
        QVERIFY(p.waitForStarted(10000));
        const QString out = drive(
            p,
            [&] {
                ++ref;
                bus.publish(callEvent((ref % 2) ? "echo" : "other", ref));
            },
            [](const QString&) { return false; });
        QCOMPARE(p.exitCode(), 0);
        const QStringList lines = out.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 3);
        for (const auto& l : lines) {
            QVERIFY2(l.contains(QStringLiteral("test-producer[")) &&
                         l.contains(QStringLiteral("producer-1")) &&
                         l.contains(QStringLiteral("rpc.server  call  echo  ok")) &&
                         l.contains(QStringLiteral("t.exec=12us")),
                     qPrintable(l));
        }
    }
    {
        QProcess p;
        p.start(meshxBinary(QStringLiteral("meshx")),
                {QStringLiteral("tap"), QStringLiteral("--address"),
                 QString::fromStdString(addr->toString()), QStringLiteral("--json"),
                 QStringLiteral("--count"), QStringLiteral("2")});
        QVERIFY(p.waitForStarted(10000));
        const QString out = drive(
            p, [&] { bus.publish(callEvent("echo", ++ref)); },
            [](const QString&) { return false; });
        QCOMPARE(p.exitCode(), 0);
        const QStringList lines = out.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QVERIFY(lines.size() >= 3);
        QCOMPARE(Json::parse(lines[0].toStdString())["type"].get<std::string>(),
                 std::string("hello"));
        QCOMPARE(Json::parse(lines.last().toStdString())["type"].get<std::string>(),
                 std::string("event"));
    }
}

void TestTapProcess::meshxTapBadFilterIsBadInput() {
    InProcessBus bus;
    TapServer tap(optionsFor(bus, "test-producer"));
    auto addr = tap.start();
    QVERIFY(addr.ok());
    const ProcessRun run = runProcess(meshxBinary(QStringLiteral("meshx")),
                                      {QStringLiteral("tap"), QStringLiteral("--address"),
                                       QString::fromStdString(addr->toString()),
                                       QStringLiteral("--filter"), QStringLiteral("fn == echo")});
    QCOMPARE(run.exitCode, 2);
    QVERIFY2(run.err.contains(QStringLiteral("HTTP 400")) &&
                 run.err.contains(QStringLiteral("column 1: unknown field 'fn'")),
             qPrintable(run.err));
}

void TestTapProcess::meshxTapServiceMergesTapsFoundThroughAgent() {
    AgentProcess agent(0);
    QVERIFY2(agent.ok(), qPrintable(agent.output()));
    InProcessBus busA, busB;
    TapServer tapA(optionsFor(busA, "producer-a"));
    TapServer tapB(optionsFor(busB, "producer-b"));
    auto addrA = tapA.start();
    auto addrB = tapB.start();
    QVERIFY(addrA.ok() && addrB.ok());
    tapA.setServiceId("tapped-1");
    tapB.setServiceId("tapped-2");

    MeshConfig config;
    auto ep = AgentEndpoint::parse(agent.address().toStdString());
    QVERIFY(ep.ok());
    config.agent = *ep;
    auto client = consul::ConsulClient::create(config);
    QVERIFY(client.ok());
    int port = 7000;
    for (const auto& [id, addr] : {std::pair{"tapped-1", *addrA}, std::pair{"tapped-2", *addrB}}) {
        Json reg = {{"ID", id},
                    {"Name", "tapped"},
                    {"Port", ++port},
                    {"Meta", {{kTapMetaKey, addr.toString()}}}};
        auto r = (*client)->call(consul::endpoints::registerService(reg, false));
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().toString().c_str());
    }

    QProcess p;
    // No config file: the agent is the --agent flag's.
    auto env = QProcessEnvironment::systemEnvironment();
    env.remove(QStringLiteral("MESHX_CONFIG"));
    env.insert(QStringLiteral("HOME"), QDir::tempPath());
    p.setProcessEnvironment(env);
    p.start(meshxBinary(QStringLiteral("meshx")),
            {QStringLiteral("tap"), QStringLiteral("--service"), QStringLiteral("tapped"),
             QStringLiteral("--agent"), agent.address(), QStringLiteral("--json")});
    QVERIFY(p.waitForStarted(10000));
    int ref = 0;
    const QString out = drive(
        p,
        [&] {
            busA.publish(callEvent("echo", ++ref));
            busB.publish(callEvent("echo", ++ref));
        },
        [](const QString& s) {
            return s.contains(QStringLiteral("\"service_id\":\"tapped-1\"}}")) &&
                   s.contains(QStringLiteral("\"service_id\":\"tapped-2\"}}"));
        });
    p.kill();
    p.waitForFinished(5000);
    QVERIFY2(out.contains(QStringLiteral("\"program\":\"producer-a\"")), qPrintable(out));
    QVERIFY2(out.contains(QStringLiteral("\"program\":\"producer-b\"")), qPrintable(out));
    QVERIFY(out.contains(QStringLiteral("\"type\":\"event\"")));
}

void TestTapProcess::tapOfRealCallsCarriesNoSecret() {
    InProcessBus bus;
    const std::string key = "tap-shared-key-8f3a91";
    const std::string token = "tap-acl-token-5c77e2";
    auto o = optionsFor(bus, "test-rpc");
    o.requiredToken = token;
    TapServer tap(o);
    auto addr = tap.start();
    QVERIFY(addr.ok());
    TapClient::Request req;
    req.token = token;
    auto client = TapClient::connect(*addr, req, std::chrono::seconds(5));
    QVERIFY(client.ok());
    QTRY_VERIFY_WITH_TIMEOUT(tap.subscriberCount() == 1, 20000);

    rpc::RpcServerOptions so;
    so.address = net::Address::tcp("127.0.0.1", 0);
    so.id = "Tap.Server";
    so.sharedKey = key;
    so.bus = &bus;
    rpc::RpcServer server(so);
    QVERIFY(server
                .add("echo",
                     [](rpc::Payload&& p) -> rpc::RpcResult<rpc::Payload> { return std::move(p); })
                .ok());
    QVERIFY(server.start().ok());
    rpc::RpcClientOptions co;
    co.address = server.address();
    co.id = "Tap.Client";
    co.sharedKey = key;
    co.size = 1;
    co.bus = &bus;
    rpc::RpcClientPool pool(co);
    QVERIFY(pool.start().ok());
    rpc::Payload arg;
    arg.bytes.assign(100, 'x');
    for (int i = 0; i < 5; ++i) {
        QVERIFY(pool.call("echo", arg).ok());
    }

    std::string all;
    bool sawClientCall = false, sawServerCall = false;
    QDeadlineTimer deadline(30000);
    while (!(sawClientCall && sawServerCall) && !deadline.hasExpired()) {
        pollfd p{client->fd(), POLLIN, 0};
        ::poll(&p, 1, 100);
        std::vector<std::string> lines;
        QVERIFY(client->readAvailable(lines).ok());
        for (const auto& l : lines) {
            all += l + "\n";
            const Json j = Json::parse(l);
            if (j["type"] == "event" && j["name"] == "call") {
                (j["source"] == "rpc.client" ? sawClientCall : sawServerCall) = true;
            }
        }
    }
    QVERIFY(sawClientCall && sawServerCall);
    QVERIFY(all.find(key) == std::string::npos);
    QVERIFY(all.find(token) == std::string::npos);
}

QTEST_GUILESS_MAIN(TestTapProcess)
#include "test_tap_process.moc"
