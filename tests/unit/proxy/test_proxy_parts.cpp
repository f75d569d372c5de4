// Pure parts of the proxy: identities, configuration, log format, instance choice, TLS material.

#include <nlohmann/json.hpp>

#include <fstream>

#include "meshx_test.h"
#include "proxy/logger.h"
#include "proxy/proxy_config.h"
#include "proxy/round_robin_balancer.h"
#include "proxy/service_identity.h"
#include "proxy/tls_context.h"
#include "test_certificates.h"

using namespace meshx::proxy;
using meshx::proxy::testing::TestCa;
using Ms = std::chrono::milliseconds;

class TestProxyParts : public QObject {
    Q_OBJECT

  private slots:
    void parsesServiceIdentities() {
        auto id = ServiceIdentity::parse(
            "spiffe://11111111-2222-3333-4444-555555555555.consul/ns/default/dc/dc1/svc/web");
        QVERIFY(id.ok());
        QCOMPARE(id->trustDomain, std::string("11111111-2222-3333-4444-555555555555.consul"));
        QCOMPARE(id->ns, std::string("default"));
        QCOMPARE(id->datacenter, std::string("dc1"));
        QCOMPARE(id->service, std::string("web"));
        QCOMPARE(id->uri(),
                 std::string("spiffe://11111111-2222-3333-4444-555555555555.consul/ns/default/"
                             "dc/dc1/svc/web"));

        auto ap = ServiceIdentity::parse("spiffe://td.consul/ap/part1/ns/ns1/dc/dc2/svc/db%2Dx");
        QVERIFY(ap.ok());
        QCOMPARE(ap->partition, std::string("part1"));
        QCOMPARE(ap->service, std::string("db-x"));
        QCOMPARE(ap->uri(), std::string("spiffe://td.consul/ap/part1/ns/ns1/dc/dc2/svc/db-x"));
    }

    void rejectsNonServiceIdentities_data() {
        QTest::addColumn<QString>("uri");
        QTest::addColumn<QString>("reason");
        QTest::newRow("https") << "https://td.consul/ns/default/dc/dc1/svc/web"
                               << "not a valid Connect identifier";
        QTest::newRow("no host") << "spiffe:///ns/default/dc/dc1/svc/web"
                                 << "not a valid Connect identifier";
        QTest::newRow("root") << "spiffe://td.consul"
                              << "not a valid Service identifier";
        QTest::newRow("agent") << "spiffe://td.consul/agent/client/dc/dc1/id/abc"
                               << "not a valid Service identifier";
        QTest::newRow("empty svc") << "spiffe://td.consul/ns/default/dc/dc1/svc/"
                                   << "not a valid Service identifier";
        QTest::newRow("extra") << "spiffe://td.consul/ns/default/dc/dc1/svc/web/x"
                               << "not a valid Service identifier";
        QTest::newRow("bad escape") << "spiffe://td.consul/ns/default/dc/dc1/svc/w%zz"
                                    << "not a valid Connect identifier";
    }
    void rejectsNonServiceIdentities() {
        QFETCH(QString, uri);
        QFETCH(QString, reason);
        auto id = ServiceIdentity::parse(uri.toStdString());
        QVERIFY(!id.ok());
        QVERIFY2(id.error().message.find(reason.toStdString()) != std::string::npos,
                 id.error().message.c_str());
    }

    void comparesIdentitiesLikeConsul() {
        auto a = *ServiceIdentity::parse("spiffe://one.consul/ns/default/dc/dc1/svc/web");
        auto b = *ServiceIdentity::parse("spiffe://two.consul/ns/Default/dc/DC1/svc/WEB");
        auto c = *ServiceIdentity::parse("spiffe://one.consul/ns/default/dc/dc2/svc/web");
        auto d =
            *ServiceIdentity::parse("spiffe://one.consul/ap/default/ns/default/dc/dc1/svc/web");
        QVERIFY(a.matchesIgnoringTrustDomain(b));  // host ignored, case-insensitive
        QVERIFY(!a.matchesIgnoringTrustDomain(c));
        QVERIFY(a.matchesIgnoringTrustDomain(d));  // the default partition is implicit
        QVERIFY(a.inTrustDomain("ONE.consul"));
        QVERIFY(!b.inTrustDomain("one.consul"));
    }

    void readsSidecarFixture() {
        std::ifstream in(std::string(MESHX_TEST_DATA_DIR) + "/consul/agent-service-sidecar.json");
        QVERIFY(in.good());
        auto cfg = ProxyConfig::fromAgentService(nlohmann::json::parse(in));
        QVERIFY2(cfg.ok(), cfg.ok() ? "" : cfg.error().message.c_str());
        QCOMPARE(cfg->proxyId, std::string("web-sidecar-proxy"));
        QCOMPARE(cfg->proxiedServiceName, std::string("web"));
        QCOMPARE(cfg->proxiedServiceId, std::string("web"));
        QCOMPARE(cfg->publicBindAddress, std::string("0.0.0.0"));  // Address "" -> 0.0.0.0
        QCOMPARE(cfg->publicBindPort, uint16_t(18080));
        QCOMPARE(cfg->localServiceAddress, std::string("127.0.0.1"));
        QCOMPARE(cfg->localServicePort, uint16_t(8080));
        QCOMPARE(cfg->localConnectTimeout.count(), 1000);
        QCOMPARE(cfg->handshakeTimeout.count(), 10000);
        QCOMPARE(cfg->upstreams.size(), size_t(1));
        const auto& up = cfg->upstreams[0];
        QCOMPARE(up.localBindAddress, std::string("127.0.0.1"));  // default
        QCOMPARE(up.toString(), std::string("127.0.0.1:9191->service:default/default/db"));
        QCOMPARE(up.connectTimeout.count(), 10000);
    }

    void appliesConfigKeysAndSkipsBadUpstreams() {
        auto svc = nlohmann::json::parse(
            R"({"Kind":"connect-proxy","ID":"a-sidecar-proxy","Address":"127.0.0.2","Port":21000,"Proxy":{"DestinationServiceName":"a","LocalServicePort":9000,"Config":{"local_connect_timeout_ms":"250","handshake_timeout_ms":500},"Upstreams":[{"DestinationName":"b","LocalBindPort":7000,"Config":{"connect_timeout_ms":300}},{"DestinationName":"c"},{"DestinationName":"d","LocalBindSocketPath":"/tmp/d.sock"},{"DestinationType":"prepared_query","DestinationName":"q","LocalBindPort":7001}]}})");
        auto cfg = ProxyConfig::fromAgentService(svc);
        QVERIFY(cfg.ok());
        QCOMPARE(cfg->publicBindAddress, std::string("127.0.0.2"));
        QCOMPARE(cfg->proxiedServiceId, std::string("a"));  // defaults to the name
        QCOMPARE(cfg->localConnectTimeout.count(), 250);
        QCOMPARE(cfg->handshakeTimeout.count(), 500);
        QCOMPARE(cfg->upstreams.size(), size_t(1));
        QCOMPARE(cfg->upstreams[0].connectTimeout.count(), 300);
        QCOMPARE(cfg->skipped.size(), size_t(3));
        QVERIFY(cfg->skipped[0].find("no LocalBindPort") != std::string::npos);
        QVERIFY(cfg->skipped[1].find("unix socket") != std::string::npos);
        QVERIFY(cfg->skipped[2].find("prepared_query") != std::string::npos);
    }

    void rejectsNonProxyServices() {
        auto typical = ProxyConfig::fromAgentService(
            nlohmann::json::parse(R"({"ID":"web","Service":"web","Port":8080})"));
        QVERIFY(!typical.ok());
        QVERIFY(typical.error().message.find("not a connect-proxy") != std::string::npos);
        auto noDest = ProxyConfig::fromAgentService(
            nlohmann::json::parse(R"({"Kind":"connect-proxy","ID":"p","Proxy":{}})"));
        QVERIFY(!noDest.ok());
        QVERIFY(noDest.error().message.find("DestinationServiceName") != std::string::npos);
    }

    void formatsHclogLines() {
        auto line = Logger::format(Logger::Level::Error, "proxy.inbound", "failed to dial",
                                   {{"error", "dial tcp 127.0.0.1:8080: connect: refused"}},
                                   "2024-05-01T10:00:00.123Z");
        QCOMPARE(line, std::string("2024-05-01T10:00:00.123Z [ERROR] proxy.inbound: failed to "
                                   "dial: error=\"dial tcp 127.0.0.1:8080: connect: refused\""));
        auto info =
            Logger::format(Logger::Level::Info, "proxy", "Starting listener",
                           {{"listener", "public listener"}, {"bind_addr", "0.0.0.0:1"}}, "T");
        QCOMPARE(info, std::string("T [INFO]  proxy: Starting listener: listener=\"public "
                                   "listener\" bind_addr=0.0.0.0:1"));
        auto plain = Logger::format(Logger::Level::Warn, "proxy", "ready", {}, "T");
        QCOMPARE(plain, std::string("T [WARN]  proxy: ready"));
        auto quoted =
            Logger::format(Logger::Level::Debug, "p", "m", {{"k", "a\"b"}, {"e", ""}}, "T");
        QCOMPARE(quoted, std::string("T [DEBUG] p: m: k=\"a\\\"b\" e=\"\""));
    }

    void filtersByLevel() {
        std::vector<std::string> lines;
        Logger log(*Logger::parseLevel("err"), [&](const std::string& l) { lines.push_back(l); });
        log.info("proxy", "hidden");
        log.error("proxy", "shown");
        QCOMPARE(lines.size(), size_t(1));
        QVERIFY(lines[0].find("[ERROR] proxy: shown") != std::string::npos);
        QVERIFY(!Logger::parseLevel("loud").ok());
        QCOMPARE(*Logger::parseLevel("DEBUG"), Logger::Level::Debug);
    }

    void roundRobinTakesTurnsAndSkipsEjectedInstances() {
        RoundRobinBalancer b(OutlierDetector::Settings{Ms(1000), Ms(30000)});
        UpstreamInstance i1, i2, i3;
        i1.id = "a";
        i2.id = "b";
        i3.id = "c";
        b.setInstances({i1, i2, i3});
        auto now = RoundRobinBalancer::Clock::now();
        QCOMPARE(b.pick({}, now)->id, std::string("a"));
        QCOMPARE(b.pick({}, now)->id, std::string("b"));
        QCOMPARE(b.pick({}, now)->id, std::string("c"));
        QCOMPARE(b.pick({}, now)->id, std::string("a"));
        // Already tried in this connection: skipped; all tried: nothing.
        QCOMPARE(b.pick({"b"}, now)->id, std::string("c"));
        QVERIFY(b.pick({"a", "b", "c"}, now) == nullptr);
        // An ejected instance is avoided while others remain, and used as a last resort.
        QVERIFY(b.reportFailure("a", now).has_value());
        QCOMPARE(b.pick({}, now)->id, std::string("b"));
        QCOMPARE(b.pick({}, now)->id, std::string("c"));
        QCOMPARE(b.pick({}, now)->id, std::string("b"));
        QCOMPARE(b.pick({"b", "c"}, now)->id, std::string("a"));
        // ... and comes back when its ejection ends.
        QCOMPARE(b.pick({"b", "c"}, now + std::chrono::seconds(2))->id, std::string("a"));
        QVERIFY(b.ejected("a", now));
        QVERIFY(!b.ejected("a", now + Ms(1000)));
        // Every instance ejected: never black-hole; the one whose ejection ends first goes first.
        QVERIFY(b.reportFailure("c", now + Ms(100)).has_value());
        QVERIFY(b.reportFailure("b", now + Ms(200)).has_value());
        QCOMPARE(b.pick({}, now + Ms(300))->id, std::string("a"));
        QCOMPARE(b.pick({"a"}, now + Ms(300))->id, std::string("c"));
        QCOMPARE(b.pick({"a", "c"}, now + Ms(300))->id, std::string("b"));
        // A success clears the record; an instance that left and came back starts clean.
        QVERIFY(b.reportSuccess("a"));
        QVERIFY(!b.reportSuccess("a"));
        b.setInstances({i1, i2});
        b.setInstances({i1, i2, i3});
        QVERIFY(!b.ejected("c", now + Ms(300)));
        b.setInstances({});
        QVERIFY(b.pick({}, now) == nullptr);
    }

    void outlierEjectionBacksOffAndResetsOnSuccess() {
        OutlierDetector d(OutlierDetector::Settings{Ms(1000), Ms(30000)});
        auto t = OutlierDetector::Clock::now();
        auto e = d.recordFailure("x", t);
        QVERIFY(e.has_value());
        QCOMPARE(e->duration.count(), int64_t(1000));
        QCOMPARE(e->consecutive, 1u);
        // Failures while ejected (connections dialled before the ejection) are not counted.
        QVERIFY(!d.recordFailure("x", t + Ms(10)).has_value());
        QVERIFY(!d.recordFailure("x", t + Ms(999)).has_value());
        QVERIFY(d.ejected("x", t + Ms(999)));
        QVERIFY(!d.ejected("x", t + Ms(1000)));
        // Failing again after the ejection doubles it: 2, 4, 8, 16, then the 30 s cap.
        std::vector<int64_t> seen;
        auto at = t + Ms(1000);
        for (int i = 0; i < 7; ++i) {
            auto next = d.recordFailure("x", at);
            QVERIFY(next.has_value());
            seen.push_back(next->duration.count());
            at = d.ejectedUntil("x");
        }
        QVERIFY(seen == (std::vector<int64_t>{2000, 4000, 8000, 16000, 30000, 30000, 30000}));
        QCOMPARE(d.recordFailure("y", t)->consecutive, 1u);  // per instance
        // One success and the next failure starts from the base again.
        QVERIFY(d.recordSuccess("x"));
        QVERIFY(!d.ejected("x", at - Ms(1)));
        QCOMPARE(d.recordFailure("x", at)->duration.count(), int64_t(1000));
        d.retain({"y"});
        QVERIFY(!d.ejected("x", at));
        QVERIFY(d.ejected("y", t));
    }

    void tlsContextChecksMaterial() {
        TestCa ca("11111111-2222-3333-4444-555555555555.consul");
        auto ok = TlsContext::create(ca.material("web"));
        QVERIFY2(ok.ok(), ok.ok() ? "" : ok.error().message.c_str());
        QCOMPARE((*ok)->identity().service, std::string("web"));

        TestCa other("99999999-2222-3333-4444-555555555555.consul");
        auto leaf = ca.issueService("web");
        auto wrongRoots = TlsContext::create({leaf.certPem, leaf.keyPem, other.rootPem(), ""});
        QVERIFY(!wrongRoots.ok());
        QVERIFY(wrongRoots.error().message.find("does not verify against the roots") !=
                std::string::npos);

        auto otherLeaf = ca.issueService("db");
        auto wrongKey = TlsContext::create({leaf.certPem, otherLeaf.keyPem, ca.rootPem(), ""});
        QVERIFY(!wrongKey.ok());
        QVERIFY(wrongKey.error().message.find("private key") != std::string::npos);

        auto empty = TlsContext::create({"", leaf.keyPem, ca.rootPem(), ""});
        QVERIFY(!empty.ok());

        auto expired = ca.issue(ca.serviceUri("web"), TestCa::Both, -10);
        auto old = TlsContext::create({expired.certPem, expired.keyPem, ca.rootPem(), ""});
        QVERIFY(!old.ok());
        QVERIFY(old.error().message.find("expired") != std::string::npos);
    }
};

QTEST_GUILESS_MAIN(TestProxyParts)
#include "test_proxy_parts.moc"
