// A tap that requires a token, decided by a real meshx-agent with ACLs on: only a token with
// service:read on the tapped service gets in (the agent's management token here), whatever the
// process's own token; no token, an unknown token, a service the agent does not know: 403; an
// agent that cannot answer: 503. Read with curl, as docs/taps.md shows.

#include <QtTest>

#include <nlohmann/json.hpp>

#include "agent_process.h"
#include "common/mesh_config.h"
#include "consul/agent_endpoints.h"
#include "consul/consul_client.h"
#include "consul/service_read_check.h"
#include "integration/telemetry/tap_curl.h"
#include "telemetry/in_process_bus.h"
#include "telemetry/tap/tap_server.h"

using namespace meshx;
using nlohmann::json;

namespace {

constexpr const char* kMaster = "acl-master-7f3c";

// The HTTP status curl saw for /v1/tap/info with `token` (none when empty).
int infoStatus(const net::Address& tap, const std::string& token) {
    QStringList extra = {"-o", "/dev/null", "-w", "%{http_code}"};
    if (!token.empty()) {
        extra << "-H" << QString::fromStdString("X-Consul-Token: " + token);
    }
    return TapCurl::fetch(tap.toString(), "/v1/tap/info", extra).toInt();
}

}  // namespace

class TestTapAcl : public QObject {
    Q_OBJECT

  private slots:
    void agentDecidesWhoReadsTheTap() {
        AgentProcess agent(0, {"-acl-master-token", kMaster});
        QVERIFY2(agent.ok(), qPrintable(agent.output()));
        MeshConfig config;
        auto ep = AgentEndpoint::parse(agent.address().toStdString());
        QVERIFY(ep.ok());
        config.agent = *ep;
        config.token = kMaster;
        auto admin = consul::ConsulClient::create(config);
        QVERIFY(admin.ok());
        auto r = (*admin)->call(consul::endpoints::registerService(
            json{{"ID", "acl-svc-1"}, {"Name", "acl-svc"}, {"Port", 7001}}, false));
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().toString().c_str());

        telemetry::InProcessBus bus;
        telemetry::TapServer::Options o;
        o.bus = &bus;
        o.process = telemetry::TapProcess::current("acl-test");
        o.requiredToken = "the-process-own-token";  // not an agent token: the agent decides
        telemetry::TapServer tap(o);
        auto addr = tap.start();
        QVERIFY(addr.ok());
        tap.setTokenCheck(consul::serviceReadCheck(config, "acl-svc-1"));

        QCOMPARE(infoStatus(*addr, ""), 403);
        QCOMPARE(infoStatus(*addr, "no-such-token"), 403);
        QCOMPARE(infoStatus(*addr, "the-process-own-token"), 403);
        QCOMPARE(infoStatus(*addr, kMaster), 200);
        // The 403 body never echoes what was sent.
        const QString denied = TapCurl::fetch(addr->toString(), "/v1/tap/info",
                                              {"-H", "X-Consul-Token: no-such-token"});
        QVERIFY2(denied.contains("permission denied") && !denied.contains("no-such-token"),
                 qPrintable(denied));

        // A stream, not only info: hello comes after the agent's yes.
        TapCurl stream;
        QVERIFY(stream.start(addr->toString(), "/v1/tap",
                             {"-H", QString("X-Consul-Token: ") + kMaster}));
        QVERIFY(stream.waitFor([](const auto& lines) { return !lines.empty(); }, 30000));
        QCOMPARE(stream.lines().front()["type"].get<std::string>(), std::string("hello"));
        stream.stop();

        // A service the agent does not know has nothing to read.
        tap.setTokenCheck(consul::serviceReadCheck(config, "not-registered"));
        QCOMPARE(infoStatus(*addr, kMaster), 403);

        // No agent to ask: no decision.
        agent.kill();
        tap.setTokenCheck(consul::serviceReadCheck(config, "acl-svc-1"));
        QCOMPARE(infoStatus(*addr, kMaster), 503);
    }
};

QTEST_GUILESS_MAIN(TestTapAcl)
#include "test_tap_acl.moc"
