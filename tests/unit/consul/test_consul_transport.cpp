// ConsulClient's HTTP behaviour against FakeConsulServer: headers, error mapping, transports,
// handle reuse, encoding on the wire, timeouts. (Faults the real agent cannot produce.)

#include "meshx_test.h"

#include <QLoggingCategory>
#include <QTemporaryDir>

#include <atomic>
#include <mutex>

#include <nlohmann/json.hpp>

#include "consul/agent_endpoints.h"
#include "consul/catalog_endpoints.h"
#include "consul/connect_endpoints.h"
#include "consul/consul_error.h"
#include "consul/kv_endpoints.h"
#include "consul_test_support.h"
#include "fake_consul_server.h"

using meshx::Code;
using meshx::consul::ClientOptions;
using meshx::consul::Request;
using namespace meshx::consul::endpoints;
using consul_test::httpConfig;
using consul_test::makeClient;
using consul_test::msSince;
using nlohmann::json;

namespace {

const std::string kToken = "6f1c2a9e-token-s3cr3t-4d2b";

// Captures every Qt message so tests can prove the token never reaches a log.
std::mutex gLogMutex;
QStringList gLog;
void captureMessages(QtMsgType, const QMessageLogContext&, const QString& msg) {
    std::lock_guard lock(gLogMutex);
    gLog << msg;
}

FakeReply selfReply() {
    return FakeReply::json({{"Config", {{"Datacenter", "dc1"}, {"NodeName", "n1"}}}});
}

}  // namespace

class TestConsulTransport : public QObject {
    Q_OBJECT

  private slots:
    void tokenHeaderSentAndNeverInErrorsOrLogs() {
        QtMessageHandler previous = qInstallMessageHandler(captureMessages);
        QLoggingCategory::setFilterRules(QStringLiteral("meshx.consul.debug=true"));
        // A misbehaving server that echoes the token back in its error body.
        FakeConsulServer server([](const FakeRequest& r) {
            return FakeReply::text(403, "Permission denied: token " + r.header("x-consul-token") +
                                            " lacks permission 'service:write'");
        });
        QVERIFY(server.listenTcp());
        auto client = makeClient(httpConfig(server.port(), kToken));
        QVERIFY(client);

        auto self = client->call(agentSelf());
        QVERIFY(!self);
        QCOMPARE(self.error().code, Code::PermissionDenied);
        QCOMPARE(server.requests().at(0).header("x-consul-token"), kToken);
        const std::string message = self.error().toString();
        QVERIFY2(message.find(kToken) == std::string::npos, message.c_str());
        QVERIFY2(message.find("<redacted>") != std::string::npos, message.c_str());
        QVERIFY2(message.find("lacks permission 'service:write'") != std::string::npos,
                 message.c_str());

        // A transport failure names the agent but not the token.
        auto down = makeClient(httpConfig(1, kToken));  // port 1: nothing listens there
        auto failed = down->call(agentSelf());
        QVERIFY(!failed);
        QCOMPARE(failed.error().code, Code::AgentUnreachable);
        QVERIFY(failed.error().message.find(kToken) == std::string::npos);

        qInstallMessageHandler(previous);
        QLoggingCategory::setFilterRules(QString());
        std::lock_guard lock(gLogMutex);
        QVERIFY2(!gLog.isEmpty(), "debug logging of requests is expected to be on here");
        for (const QString& line : gLog) {
            QVERIFY2(!line.contains(QString::fromStdString(kToken)), qPrintable(line));
        }
    }

    void noTokenHeaderWithoutToken() {
        FakeConsulServer server([](const FakeRequest&) { return selfReply(); });
        QVERIFY(server.listenTcp());
        auto client = makeClient(httpConfig(server.port()));
        auto self = client->call(agentSelf());
        QVERIFY2(self.ok(), self.ok() ? "" : self.error().toString().c_str());
        QCOMPARE(self->datacenter, std::string("dc1"));
        QVERIFY(!server.requests().at(0).hasHeader("x-consul-token"));
        QVERIFY(server.requests().at(0).header("user-agent").starts_with("meshx/"));
    }

    void statusMapsToCodeWithBody_data() {
        QTest::addColumn<int>("status");
        QTest::addColumn<int>("code");
        QTest::newRow("403") << 403 << int(Code::PermissionDenied);
        QTest::newRow("404") << 404 << int(Code::NotFound);
        QTest::newRow("400") << 400 << int(Code::HttpError);
        QTest::newRow("429 on a plain endpoint") << 429 << int(Code::HttpError);
        QTest::newRow("500") << 500 << int(Code::HttpError);
        QTest::newRow("503") << 503 << int(Code::HttpError);
    }
    void statusMapsToCodeWithBody() {
        QFETCH(int, status);
        QFETCH(int, code);
        const std::string body = "Unknown check ID \"ttl:web\". Ensure that the check ID is passed";
        FakeConsulServer server(
            [status, body](const FakeRequest&) { return FakeReply::text(status, body + "\n"); });
        QVERIFY(server.listenTcp());
        auto client = makeClient(httpConfig(server.port()));
        auto r = client->call(passCheck("ttl:web"));
        QVERIFY(!r);
        QCOMPARE(int(r.error().code), code);
        QCOMPARE(meshx::consul::httpStatus(r.error()).value_or(-1), status);
        QCOMPARE(std::string(meshx::consul::httpBody(r.error())), body);
        QVERIFY2(r.error().message.starts_with("PUT /v1/agent/check/pass/ttl%3Aweb: HTTP "),
                 r.error().message.c_str());
    }

    void rawRequestReturnsStatusBodyAndIndex() {
        FakeConsulServer server([](const FakeRequest& r) {
            auto reply = FakeReply::json(json::array({r.method, r.path}), 200, 4711);
            reply.headers.emplace_back("X-Consul-KnownLeader", "true");
            return reply;
        });
        QVERIFY(server.listenTcp());
        auto client = makeClient(httpConfig(server.port()));
        auto r = client->send(Request::get("/catalog/services").param("dc", "dc1"));
        QVERIFY(r.ok());
        QCOMPARE(r->status, 200);
        QVERIFY(r->hasIndex);
        QCOMPARE(r->index, uint64_t(4711));
        QCOMPARE(r->header("X-Consul-KnownLeader"), std::string("true"));
        QCOMPARE(r->json()->at(1).get<std::string>(), std::string("/v1/catalog/services"));
        QCOMPARE(server.requests().at(0).query, std::string("dc=dc1"));
    }

    void agentHealthStatusesAreAnswers_data() {
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("aggregate");
        QTest::newRow("passing") << 200 << "passing";
        QTest::newRow("warning") << 429 << "warning";
        QTest::newRow("critical") << 503 << "critical";
        QTest::newRow("maintenance") << 503 << "maintenance";
    }
    void agentHealthStatusesAreAnswers() {
        QFETCH(int, status);
        QFETCH(QString, aggregate);
        const std::string word = aggregate.toStdString();
        FakeConsulServer server([status, word](const FakeRequest& r) {
            json one = {{"AggregatedStatus", word},
                        {"Service", {{"ID", "web-1"}, {"Service", "web"}}},
                        {"Checks", json::array()}};
            if (r.path.starts_with("/v1/agent/health/service/name/")) {
                return FakeReply::json(json::array({one}), status);
            }
            return FakeReply::json(one, status);
        });
        QVERIFY(server.listenTcp());
        auto client = makeClient(httpConfig(server.port()));
        auto byId = client->call(agentHealthById("web-1"));
        QVERIFY2(byId.ok(), byId.ok() ? "" : byId.error().toString().c_str());
        QCOMPARE(byId->httpStatus, status);
        QCOMPARE(byId->aggregatedStatus, word);
        QCOMPARE(byId->passing(), status == 200);
        QCOMPARE(byId->service->id, std::string("web-1"));
        auto byName = client->call(agentHealthByName("web"));
        QVERIFY(byName.ok());
        QCOMPARE(byName->httpStatus, status);
        QCOMPARE(byName->aggregatedStatus, word);
        QCOMPARE(byName->instances.size(), std::size_t(1));
    }

    void agentHealthUnknownIs404Answer() {
        FakeConsulServer server([](const FakeRequest& r) {
            if (r.path.starts_with("/v1/agent/health/service/name/")) {
                return FakeReply::json(json::array(), 404);
            }
            if (r.path.ends_with("old")) {  // older agents: plain text
                return FakeReply::text(404, "ServiceId old not found");
            }
            return FakeReply::json(
                {{"AggregatedStatus", "critical"}, {"Service", nullptr}, {"Checks", nullptr}}, 404);
        });
        QVERIFY(server.listenTcp());
        auto client = makeClient(httpConfig(server.port()));
        for (const char* id : {"nope", "old"}) {
            auto byId = client->call(agentHealthById(id));
            QVERIFY2(byId.ok(), byId.ok() ? "" : byId.error().toString().c_str());
            QCOMPARE(byId->httpStatus, 404);
            QVERIFY(!byId->found());
            QVERIFY(!byId->service);
            QVERIFY(byId->checks.empty());
        }
        auto byName = client->call(agentHealthByName("nope"));
        QVERIFY(byName.ok());
        QCOMPARE(byName->httpStatus, 404);
        QVERIFY(byName->instances.empty());
    }

    void transportFailuresAreAgentUnreachable_data() {
        QTest::addColumn<QString>("fault");
        QTest::newRow("refused") << "refused";
        QTest::newRow("dropped") << "dropped";
        QTest::newRow("timeout") << "timeout";
        QTest::newRow("dns") << "dns";
    }
    void transportFailuresAreAgentUnreachable() {
        QFETCH(QString, fault);
        FakeConsulServer server([fault](const FakeRequest&) {
            FakeReply reply = selfReply();
            if (fault == "dropped") {
                reply.drop = true;
            } else if (fault == "timeout") {
                reply.delay = std::chrono::seconds(20);
            }
            return reply;
        });
        QVERIFY(server.listenTcp());
        auto config = httpConfig(server.port());
        if (fault == "refused") {
            // Bind a port, learn it, release it: nothing listens there now.
            FakeConsulServer gone([](const FakeRequest&) { return FakeReply{}; });
            QVERIFY(gone.listenTcp());
            config.agent.port = gone.port();
        }
        if (fault == "dns") {
            config.agent.host = "no-such-agent.invalid";  // RFC 6761: never resolves
        }
        ClientOptions options;
        options.requestTimeout = std::chrono::milliseconds(400);
        options.connectTimeout = std::chrono::milliseconds(3000);
        auto client = makeClient(config, options);
        const auto started = std::chrono::steady_clock::now();
        auto r = client->call(agentSelf());
        QVERIFY(!r);
        QCOMPARE(r.error().code, Code::AgentUnreachable);
        QVERIFY(!meshx::consul::httpStatus(r.error()));
        QVERIFY2(r.error().message.starts_with("GET /v1/agent/self: "), r.error().message.c_str());
        // Bounded: the slow reply is cut by the 400 ms request timeout, not its 20 s delay.
        QVERIFY2(msSince(started) < 10000, r.error().message.c_str());
    }

    void unixSocketTransport() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const std::string path = dir.filePath(QStringLiteral("http.sock")).toStdString();
        FakeConsulServer server([](const FakeRequest&) { return selfReply(); });
        QVERIFY(server.listenUnix(path));
        meshx::MeshConfig config;
        auto ep = meshx::AgentEndpoint::parse("unix://" + path);
        QVERIFY(ep.ok());
        config.agent = *ep;
        config.token = kToken;
        auto client = makeClient(config);
        auto self = client->call(agentSelf());
        QVERIFY2(self.ok(), self.ok() ? "" : self.error().toString().c_str());
        QCOMPARE(self->nodeName, std::string("n1"));
        const auto req = server.requests().at(0);
        QCOMPARE(req.path, std::string("/v1/agent/self"));
        QCOMPARE(req.header("x-consul-token"), kToken);
        QVERIFY(!req.header("host").empty());  // a placeholder; the agent ignores it
    }

    void handlesAndConnectionsAreReused() {
        FakeConsulServer server([](const FakeRequest&) { return selfReply(); });
        QVERIFY(server.listenTcp());
        auto client = makeClient(httpConfig(server.port()));
        for (int i = 0; i < 10; ++i) {
            QVERIFY(client->call(agentSelf()).ok());
        }
        QCOMPARE(client->handlesCreated(), std::size_t(1));
        QCOMPARE(server.connectionsAccepted(), 1);
        QCOMPARE(server.requestCount(), std::size_t(10));
    }

    void concurrentSyncCallsUseSeparateHandles() {
        std::atomic<int> inFlight{0};
        std::atomic<int> maxInFlight{0};
        FakeConsulServer server([&](const FakeRequest&) {
            int now = ++inFlight;
            int seen = maxInFlight.load();
            while (now > seen && !maxInFlight.compare_exchange_weak(seen, now)) {
            }
            // Hold each reply until all three callers are in, bounded.
            consul_test::waitFor([&] { return maxInFlight.load() >= 3; }, std::chrono::seconds(5));
            --inFlight;
            return selfReply();
        });
        QVERIFY(server.listenTcp());
        auto client = makeClient(httpConfig(server.port()));
        std::vector<std::thread> threads;
        std::atomic<int> ok{0};
        for (int i = 0; i < 3; ++i) {
            threads.emplace_back([&] { ok += client->call(agentSelf()).ok() ? 1 : 0; });
        }
        for (auto& t : threads) {
            t.join();
        }
        QCOMPARE(ok.load(), 3);
        QCOMPARE(maxInFlight.load(), 3);
        QCOMPARE(client->handlesCreated(), std::size_t(3));
    }

    void idsAndQueriesAreEncodedOnTheWire() {
        FakeConsulServer server([](const FakeRequest& r) {
            if (r.path.starts_with("/v1/agent/services")) {
                return FakeReply::json(json::object());
            }
            return FakeReply::json({{"ID", "x"}, {"Service", "x"}, {"ContentHash", "abc"}});
        });
        QVERIFY(server.listenTcp());
        auto client = makeClient(httpConfig(server.port()));
        QVERIFY(client->call(agentService("ttl:web/host 1")).ok());
        QVERIFY(client->call(agentServices("Kind == \"connect-proxy\"")).ok());
        QVERIFY(client->call(deregisterCheck("ttl:web-host1")).ok());
        QVERIFY(client->call(kvDelete("config/web app/x")).ok());
        const auto reqs = server.requests();
        QCOMPARE(reqs.at(0).target, std::string("/v1/agent/service/ttl%3Aweb%2Fhost%201"));
        QCOMPARE(reqs.at(1).target,
                 std::string("/v1/agent/services?filter=Kind%20%3D%3D%20%22connect-proxy%22"));
        QCOMPARE(reqs.at(2).target, std::string("/v1/agent/check/deregister/ttl%3Aweb-host1"));
        QCOMPARE(reqs.at(3).target, std::string("/v1/kv/config/web%20app/x"));
    }

    void methodsAndBodies() {
        FakeConsulServer server([](const FakeRequest& r) {
            if (r.path == "/v1/agent/connect/authorize") {
                return FakeReply::json({{"Authorized", false}, {"Reason", "denied"}});
            }
            if (r.path.starts_with("/v1/kv/") || r.path.starts_with("/v1/connect/intentions")) {
                return FakeReply::json(true);
            }
            return FakeReply{};  // agent writes: 200, empty body
        });
        QVERIFY(server.listenTcp());
        auto client = makeClient(httpConfig(server.port()));
        json def = {{"ID", "web-h1"}, {"Name", "web"}};
        QVERIFY(client->call(registerService(def, true)).ok());
        QVERIFY(client->call(registerService(def, false)).ok());
        QVERIFY(client->call(updateCheck("ttl:web-h1", CheckStatus::Passing, "ok")).ok());
        QVERIFY(client->call(deregisterService("web-h1")).ok());
        auto authz = client->call(authorize("db", "spiffe://td.consul/ns/default/dc/dc1/svc/web"));
        QVERIFY(authz.ok());
        QVERIFY(!authz->authorized);
        QVERIFY(client->call(upsertIntention("web", "db", {{"Action", "allow"}})).ok());
        QVERIFY(client->call(deleteIntention("web", "db")).ok());
        auto put = client->call(kvPut("app/blob", std::string("\x01\x02 raw", 6)));
        QVERIFY(put.ok() && *put);
        QVERIFY(client->call(warnCheck("ttl:x", "slow disk")).ok());

        const auto r = server.requests();
        QCOMPARE(r.size(), std::size_t(9));
        QCOMPARE(r[0].method, std::string("PUT"));
        QCOMPARE(r[0].target,
                 std::string("/v1/agent/service/register?replace-existing-checks=true"));
        QCOMPARE(json::parse(r[0].body), def);
        QCOMPARE(r[0].header("content-type"), std::string("application/json"));
        QCOMPARE(r[1].target, std::string("/v1/agent/service/register"));
        QCOMPARE(r[2].method, std::string("PUT"));
        QCOMPARE(json::parse(r[2].body), json({{"Status", "passing"}, {"Output", "ok"}}));
        QCOMPARE(r[3].method, std::string("PUT"));
        QCOMPARE(r[3].header("content-length"), std::string("0"));
        QVERIFY(!r[3].hasHeader("content-type"));
        QCOMPARE(r[4].method, std::string("POST"));
        QCOMPARE(json::parse(r[4].body)["Target"], json("db"));
        QCOMPARE(r[5].method, std::string("PUT"));
        QCOMPARE(r[5].target,
                 std::string("/v1/connect/intentions/exact?source=web&destination=db"));
        QCOMPARE(r[6].method, std::string("DELETE"));
        QCOMPARE(r[7].body, std::string("\x01\x02 raw", 6));
        QCOMPARE(r[7].header("content-type"), std::string("application/octet-stream"));
        QCOMPARE(r[8].target, std::string("/v1/agent/check/warn/ttl%3Ax?note=slow%20disk"));
    }

    void kvGetMissingKeyIsAnAnswer() {
        FakeConsulServer server([](const FakeRequest& r) {
            if (r.path == "/v1/kv/missing") {
                auto reply = FakeReply::text(404, "");
                reply.headers.emplace_back("X-Consul-Index", "12");
                return reply;
            }
            auto reply = FakeReply::text(200, "value bytes");
            reply.headers.emplace_back("X-Consul-Index", "13");
            return reply;
        });
        QVERIFY(server.listenTcp());
        auto client = makeClient(httpConfig(server.port()));
        auto missing = client->call(kvGet("missing"));
        QVERIFY(missing.ok());
        QVERIFY(!missing->value);
        QCOMPARE(missing->index, uint64_t(12));
        auto present = client->call(kvGet("present"));
        QVERIFY(present.ok());
        QCOMPARE(present->value.value_or(""), std::string("value bytes"));
        QVERIFY(server.requests().at(1).hasParam("raw"));
    }

    void blockingQuerySendsIndexAndWaitAndReturnsNewIndex() {
        FakeConsulServer server([](const FakeRequest& r) {
            if (r.param("index") == "5") {
                // Answer after a while, as the agent does when the index moves.
                auto reply = FakeReply::json(json::array(), 200, 6);
                reply.delay = std::chrono::milliseconds(700);
                return reply;
            }
            return FakeReply::json(json::array(), 200, 5);
        });
        QVERIFY(server.listenTcp());
        ClientOptions options;
        // Shorter than the hold: a blocking query's timeout must still cover its wait.
        options.requestTimeout = std::chrono::milliseconds(300);
        auto client = makeClient(httpConfig(server.port()), options);
        auto first = client->call(healthService("web"));
        QVERIFY(first.ok());
        QCOMPARE(first->index, uint64_t(5));
        QVERIFY(!server.requests().at(0).hasParam("index"));
        auto next = client->call(
            healthService("web", {}, {first->index, {}, std::chrono::milliseconds(2000)}));
        QVERIFY2(next.ok(), next.ok() ? "" : next.error().toString().c_str());
        QCOMPARE(next->index, uint64_t(6));
        QCOMPARE(server.requests().at(1).param("index"), std::string("5"));
        QCOMPARE(server.requests().at(1).param("wait"), std::string("2s"));
    }

    void hashBlockingOnAgentService() {
        FakeConsulServer server([](const FakeRequest& r) {
            auto reply = FakeReply::json(
                {{"ID", "web-sidecar-proxy"}, {"Service", "web-sidecar-proxy"}, {"Port", 21000}});
            reply.headers.emplace_back("X-Consul-ContentHash",
                                       r.param("hash") == "aaa" ? "bbb" : "aaa");
            return reply;
        });
        QVERIFY(server.listenTcp());
        auto client = makeClient(httpConfig(server.port()));
        auto first = client->call(agentService("web-sidecar-proxy"));
        QVERIFY(first.ok());
        QCOMPARE(first->contentHash, std::string("aaa"));
        auto next = client->call(
            agentService("web-sidecar-proxy", first->contentHash, std::chrono::seconds(30)));
        QVERIFY(next.ok());
        QCOMPARE(next->contentHash, std::string("bbb"));
        QCOMPARE(server.requests().at(1).param("hash"), std::string("aaa"));
        QCOMPARE(server.requests().at(1).param("wait"), std::string("30s"));
        QVERIFY(!server.requests().at(1).hasParam("index"));
    }

    void oversizedReplyIsProtocolError() {
        FakeConsulServer server(
            [](const FakeRequest&) { return FakeReply::text(200, std::string(8192, 'x')); });
        QVERIFY(server.listenTcp());
        ClientOptions options;
        options.maxResponseBytes = 1024;
        auto client = makeClient(httpConfig(server.port()), options);
        auto r = client->send(Request::get("/agent/self"));
        QVERIFY(!r);
        QCOMPARE(r.error().code, Code::ProtocolError);
        // The client stays usable after a failed transfer.
        server.setHandler([](const FakeRequest&) { return selfReply(); });
        QVERIFY(client->call(agentSelf()).ok());
    }

    void malformedIndexAndBadJsonAreProtocolErrors() {
        FakeConsulServer server([](const FakeRequest& r) {
            if (r.path == "/v1/catalog/services") {
                auto reply = FakeReply::json(json::object());
                reply.headers.emplace_back("X-Consul-Index", "12abc");
                return reply;
            }
            if (r.path == "/v1/agent/self") {
                return FakeReply::text(200, "{not json");
            }
            return FakeReply::json({{"Config", {{"Datacenter", 7}}}});  // wrong type
        });
        QVERIFY(server.listenTcp());
        auto client = makeClient(httpConfig(server.port()));
        auto idx = client->call(catalogServices());
        QVERIFY(!idx);
        QCOMPARE(idx.error().code, Code::ProtocolError);
        auto notJson = client->call(agentSelf());
        QVERIFY(!notJson);
        QCOMPARE(notJson.error().code, Code::ParseError);
        auto wrongType = client->send(Request::get("/other"));
        QVERIFY(wrongType.ok());
        auto decoded = agentSelf().decode(*wrongType);
        QVERIFY(!decoded);
        QCOMPARE(decoded.error().code, Code::ProtocolError);
        QVERIFY2(decoded.error().message.find("Datacenter") != std::string::npos,
                 decoded.error().message.c_str());
    }

    void cancelTokenAbortsASyncRequestAtOnce() {
        FakeConsulServer server([](const FakeRequest&) {
            FakeReply reply;
            reply.hold = true;
            return reply;
        });
        QVERIFY(server.listenTcp());
        auto client = makeClient(httpConfig(server.port()));
        auto request = Request::get("/health/service/web");
        request.blocking = {7, {}, std::chrono::minutes(5)};
        meshx::consul::CancelToken token = request.cancel;
        std::thread canceller([&] {
            consul_test::waitFor([&] { return server.requestCount() == 1; });
            token.cancel();
        });
        const auto started = std::chrono::steady_clock::now();
        auto r = client->send(request);
        const auto elapsed = msSince(started);
        canceller.join();
        QVERIFY(!r);
        QCOMPARE(r.error().code, Code::Closed);
        QVERIFY2(elapsed < 5000, std::to_string(elapsed).c_str());
        QVERIFY(consul_test::waitFor([&] { return server.clientHangups() == 1; }));
    }
};

QTEST_GUILESS_MAIN(TestConsulTransport)
#include "test_consul_transport.moc"
