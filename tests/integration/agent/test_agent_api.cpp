// The real meshx-agent process driven over HTTP by ConsulClient: registration with sidecar,
// filters, TTL checks, health status codes, blocking queries, bad input.

#include <QElapsedTimer>
#include <QTcpServer>

#include <future>
#include <thread>

#include "agent_client.h"
#include "agent_http.h"
#include "agent_process.h"
#include "consul/agent_endpoints.h"
#include "consul/catalog_endpoints.h"
#include "consul/kv_endpoints.h"
#include "meshx_test.h"

using nlohmann::json;
using namespace meshx::consul;

namespace {

// The MeshxConsul registration template, rendered (reference §2.5).
json mxRegistration(const std::string& id, const std::string& name) {
    return json{
        {"ID", id},
        {"Name", name},
        {"Checks",
         json::array({{{"Name", "TTL check"}, {"CheckID", "ttl:" + id}, {"TTL", "10s"}}})},
        {"Connect",
         {{"SidecarService",
           {{"Proxy", {{"LocalServiceAddress", "127.0.0.1"}, {"LocalServicePort", 1024}}}}}}}};
}

bool waitFor(const std::function<bool()>& condition, int timeoutMs) {
    QDeadlineTimer deadline(timeoutMs);
    while (!deadline.hasExpired()) {
        if (condition()) {
            return true;
        }
        QThread::msleep(50);  // polling interval of a bounded wait
    }
    return condition();
}

}  // namespace

class TestAgentApi : public QObject {
    Q_OBJECT

    AgentProcess agent_;
    std::unique_ptr<ConsulClient> client_;
    int sidecarPort_ = 0;

  private slots:
    void initTestCase() {
        // Sidecar ports from a range starting at a port that was just free: the default
        // 21000.. is shared with other agents' proxies on this machine, which the agent skips,
        // so the first sidecar's port would depend on them.
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::Any, 0));
        sidecarPort_ = probe.serverPort();
        probe.close();
        QVERIFY2(
            agent_.start({"-sidecar-min-port", QString::number(sidecarPort_), "-sidecar-max-port",
                          QString::number(std::min(sidecarPort_ + 255, 65535))}),
            qPrintable(agent_.output() + agent_.errors()));
        QVERIFY(agent_.address().startsWith("http://127.0.0.1:"));
        client_ = agentClient(agent_);
        QVERIFY(client_ != nullptr);
    }

    void cleanupTestCase() {
        client_.reset();
        QCOMPARE(agent_.stop(), 0);
        QVERIFY(agent_.output().contains("Gracefully shutting down"));
    }

    void selfReportsNodeAndDatacenter() {
        auto self = client_->call(endpoints::agentSelf());
        QVERIFY2(self.ok(), self.ok() ? "" : self.error().toString().c_str());
        QCOMPARE(self->nodeName, std::string("test-node"));
        QCOMPARE(self->datacenter, std::string("dc1"));
    }

    void registerWithSidecar() {
        auto r =
            client_->call(endpoints::registerService(mxRegistration("svc1-host", "svc1"), true));
        QVERIFY2(r.ok(), r.ok() ? "" : r.error().toString().c_str());
        auto services = client_->call(endpoints::agentServices());
        QVERIFY(services.ok());
        QVERIFY(services->count("svc1-host") == 1);
        QVERIFY(services->count("svc1-host-sidecar-proxy") == 1);
        const AgentService& sc = services->at("svc1-host-sidecar-proxy");
        QCOMPARE(sc.kind, std::string("connect-proxy"));
        QCOMPARE(sc.service, std::string("svc1-sidecar-proxy"));
        QCOMPARE(sc.port, sidecarPort_);
        QVERIFY(sc.proxy.has_value());
        QCOMPARE(sc.proxy->destinationServiceName, std::string("svc1"));
        QCOMPARE(sc.proxy->destinationServiceId, std::string("svc1-host"));
        QCOMPARE(sc.proxy->localServicePort, 1024);
        // Raw shape details clients rely on.
        const Reply raw = get(*client_, "/agent/service/svc1-host-sidecar-proxy");
        QCOMPARE(raw.status, 200);
        QCOMPARE(raw.json["Proxy"]["MeshGateway"], json::object());
        QCOMPARE(raw.json["Proxy"]["Expose"], json::object());
        QCOMPARE(raw.json["Weights"], (json{{"Passing", 1}, {"Warning", 1}}));
        QCOMPARE(raw.json["Tags"], json::array());
        QVERIFY(!raw.json["ContentHash"].get<std::string>().empty());
        QCOMPARE(raw.header("x-consul-contenthash"), raw.json["ContentHash"].get<std::string>());
        QVERIFY(raw.json.count("Connect") == 0);  // a parent's SidecarService is never echoed
        // The two default sidecar checks, critical at first; the parent's TTL check likewise.
        auto checks = client_->call(endpoints::agentChecks());
        QVERIFY(checks.ok());
        QCOMPARE(checks->at("service:svc1-host-sidecar-proxy:1").name,
                 std::string("Connect Sidecar Listening"));
        QCOMPARE(checks->at("service:svc1-host-sidecar-proxy:2").name,
                 std::string("Connect Sidecar Aliasing svc1-host"));
        QCOMPARE(checks->at("ttl:svc1-host").status, std::string("critical"));
        // Catalog mirrors the agent.
        auto catalog = client_->call(endpoints::catalogServices());
        QVERIFY(catalog.ok());
        QVERIFY(catalog->value.count("svc1") == 1);
        QVERIFY(catalog->value.count("svc1-sidecar-proxy") == 1);
        QVERIFY(catalog->value.count("consul") == 1);
    }

    void listWithFilter() {
        auto proxies = client_->call(endpoints::agentServices("Kind == \"connect-proxy\""));
        QVERIFY2(proxies.ok(), proxies.ok() ? "" : proxies.error().toString().c_str());
        QCOMPARE(proxies->size(), size_t{1});
        QCOMPARE(proxies->begin()->first, std::string("svc1-host-sidecar-proxy"));
        auto req = Request::get("/agent/services");
        req.param("filter", "Kind ==");
        const Reply bad = send(*client_, req);
        QCOMPARE(bad.status, 500);
        QVERIFY2(bad.body.rfind("Failed to create boolean expression evaluator: ", 0) == 0,
                 bad.body.c_str());
        req = Request::get("/agent/services");
        req.param("filter", "Foo == \"x\"");
        const Reply unknown = send(*client_, req);
        QCOMPARE(unknown.status, 500);
        QVERIFY2(unknown.body.find("Selector \"Foo\" is not valid") != std::string::npos,
                 unknown.body.c_str());
        // Filter on a health endpoint: entries whose checks include a critical one.
        req = Request::get("/health/service/svc1");
        req.param("filter", "Checks.Status == \"critical\"");
        const Reply health = send(*client_, req);
        QCOMPARE(health.status, 200);
        QCOMPARE(health.json.size(), size_t{1});
    }

    void ttlPassThenExpiry() {
        json def{{"Name", "ttlsvc"}, {"Check", {{"CheckID", "ttl:ttlsvc"}, {"TTL", "1s"}}}};
        QCOMPARE(putJson(*client_, "/agent/service/register", def).status, 200);
        QCOMPARE(get(*client_, "/agent/health/service/id/ttlsvc").status, 503);
        // The Elixir client's lower-case body.
        QCOMPARE(putRaw(*client_, "/agent/check/update/ttl%3Attlsvc",
                        R"({"status":"passing","output":"fine"})")
                     .status,
                 200);
        const Reply passing = get(*client_, "/agent/health/service/id/ttlsvc");
        QCOMPARE(passing.status, 200);
        QCOMPARE(passing.json["AggregatedStatus"], json("passing"));
        QCOMPARE(passing.header("x-consul-reason"), std::string("passing"));
        // No update within the TTL: critical with Consul's output.
        QVERIFY(waitFor(
            [&] { return get(*client_, "/agent/health/service/id/ttlsvc").status == 503; }, 15000));
        auto checks = client_->call(endpoints::agentChecks());
        QVERIFY(checks.ok());
        QCOMPARE(checks->at("ttl:ttlsvc").status, std::string("critical"));
        QCOMPARE(checks->at("ttl:ttlsvc").output,
                 std::string("TTL expired (last output before timeout follows): fine"));
        QVERIFY(agent_.output().contains("Check missed TTL, is now critical"));
    }

    void healthStatusCodesPerState() {
        json def{{"ID", "h1"}, {"Name", "hsvc"}, {"Check", {{"CheckID", "ttl:h1"}, {"TTL", "5m"}}}};
        QCOMPARE(putJson(*client_, "/agent/service/register", def).status, 200);
        def["ID"] = "h2";
        def["Check"]["CheckID"] = "ttl:h2";
        QCOMPARE(putJson(*client_, "/agent/service/register", def).status, 200);
        QCOMPARE(send(*client_, Request::put("/agent/check/pass/ttl%3Ah1")).status, 200);
        QCOMPARE(send(*client_, Request::put("/agent/check/pass/ttl%3Ah2")).status, 200);
        QCOMPARE(get(*client_, "/agent/health/service/id/h1").status, 200);
        QCOMPARE(get(*client_, "/agent/health/service/name/hsvc").status, 200);
        QCOMPARE(send(*client_, Request::put("/agent/check/warn/ttl%3Ah1")).status, 200);
        QCOMPARE(get(*client_, "/agent/health/service/id/h1").status, 429);
        QCOMPARE(get(*client_, "/agent/health/service/name/hsvc").status, 429);
        auto fail = Request::put("/agent/check/fail/ttl%3Ah2");
        fail.param("note", "down");
        QCOMPARE(send(*client_, fail).status, 200);
        const Reply critical = get(*client_, "/agent/health/service/id/h2");
        QCOMPARE(critical.status, 503);
        QCOMPARE(critical.json["Checks"][0]["Output"], json("down"));
        const Reply byName = get(*client_, "/agent/health/service/name/hsvc");
        QCOMPARE(byName.status, 503);  // the worst instance decides
        QCOMPARE(byName.json.size(), size_t{2});
        auto text = Request::get("/agent/health/service/id/h1");
        text.param("format", "text");
        const Reply warning = send(*client_, text);
        QCOMPARE(warning.status, 429);
        QCOMPARE(warning.body, std::string("warning"));
        const Reply unknown = get(*client_, "/agent/health/service/id/nope");
        QCOMPARE(unknown.status, 404);
        QCOMPARE(
            unknown.json,
            (json{{"AggregatedStatus", "critical"}, {"Service", nullptr}, {"Checks", nullptr}}));
        const Reply unknownName = get(*client_, "/agent/health/service/name/nope");
        QCOMPARE(unknownName.status, 404);
        QCOMPARE(unknownName.json, json::array());
        // Maintenance mode is 503 too.
        auto maint = Request::put("/agent/service/maintenance/h1");
        maint.param("enable", "true");
        QCOMPARE(send(*client_, maint).status, 200);
        const Reply inMaintenance = get(*client_, "/agent/health/service/id/h1");
        QCOMPARE(inMaintenance.status, 503);
        QCOMPARE(inMaintenance.json["AggregatedStatus"], json("maintenance"));
    }

    void blockingQueryWakesOnChange() {
        json def{{"Name", "blk"}, {"Check", {{"CheckID", "ttl:blk"}, {"TTL", "5m"}}}};
        QCOMPARE(putJson(*client_, "/agent/service/register", def).status, 200);
        const Reply first = get(*client_, "/health/service/blk");
        QCOMPARE(first.status, 200);
        QVERIFY(first.hasIndex);
        QVERIFY(first.index > 0);
        auto blocking = Request::get("/health/service/blk");
        blocking.blocking.index = first.index;
        blocking.blocking.wait = std::chrono::seconds(60);
        QElapsedTimer timer;
        timer.start();
        auto pending = std::async(std::launch::async, [&] { return send(*client_, blocking); });
        // The query parks; a write that changes the result wakes it.
        QVERIFY(pending.wait_for(std::chrono::milliseconds(300)) == std::future_status::timeout);
        QCOMPARE(send(*client_, Request::put("/agent/check/pass/ttl%3Ablk")).status, 200);
        QVERIFY(pending.wait_for(std::chrono::seconds(20)) == std::future_status::ready);
        const Reply woke = pending.get();
        QCOMPARE(woke.status, 200);
        QVERIFY(woke.index > first.index);
        QVERIFY(timer.elapsed() < 20000);
        QCOMPARE(woke.json[0]["Checks"][1]["Status"], json("passing"));
        // Passing again changes nothing: no wake-up, and the wait ends with the same index.
        auto again = Request::get("/health/service/blk");
        again.blocking.index = woke.index;
        again.blocking.wait = std::chrono::seconds(1);
        timer.restart();
        auto timeout = std::async(std::launch::async, [&] { return send(*client_, again); });
        QCOMPARE(send(*client_, Request::put("/agent/check/pass/ttl%3Ablk")).status, 200);
        const Reply unchanged = timeout.get();
        QCOMPARE(unchanged.status, 200);
        QCOMPARE(unchanged.index, woke.index);
        QVERIFY2(timer.elapsed() >= 950, qPrintable(QString::number(timer.elapsed())));
        // A bad wait is Consul's 400.
        auto badWait = Request::get("/health/service/blk");
        badWait.param("wait", "soon");
        badWait.param("index", "1");
        const Reply bad = send(*client_, badWait);
        QCOMPARE(bad.status, 400);
        QCOMPARE(bad.body, std::string("Invalid wait time"));
    }

    void hashBlockingOnAgentService() {
        const Reply first = get(*client_, "/agent/service/blk");
        QCOMPARE(first.status, 200);
        auto blocking = Request::get("/agent/service/blk");
        blocking.blocking.hash = first.json["ContentHash"].get<std::string>();
        blocking.blocking.wait = std::chrono::seconds(60);
        auto pending = std::async(std::launch::async, [&] { return send(*client_, blocking); });
        QVERIFY(pending.wait_for(std::chrono::milliseconds(300)) == std::future_status::timeout);
        json def{
            {"Name", "blk"}, {"Tags", {"v2"}}, {"Check", {{"CheckID", "ttl:blk"}, {"TTL", "5m"}}}};
        QCOMPARE(putJson(*client_, "/agent/service/register", def).status, 200);
        QVERIFY(pending.wait_for(std::chrono::seconds(20)) == std::future_status::ready);
        const Reply changed = pending.get();
        QCOMPARE(changed.json["Tags"], json::array({"v2"}));
        QVERIFY(changed.json["ContentHash"] != first.json["ContentHash"]);
    }

    void badInputKeepsStateAndService() {
        auto before = client_->call(endpoints::agentServices());
        QVERIFY(before.ok());
        struct Case {
            const char* path;
            std::string body;
            int status;
            std::string text;
        };
        const std::vector<Case> cases = {
            {"/agent/service/register", "{\"Name\":", 400, "Request decode failed: unexpected EOF"},
            {"/agent/service/register", "{\"Name\" \"x\"}", 400,
             "Request decode failed: invalid character '\"' after object key"},
            {"/agent/service/register", "", 400, "Request decode failed: EOF"},
            {"/agent/service/register", R"({"Name":"x","ContentHash":"abc"})", 400,
             "Request decode failed: json: unknown field \"ContentHash\""},
            {"/agent/service/register", R"({"Name":"x","Port":"80"})", 400,
             "Request decode failed: json: cannot unmarshal string into Go struct field "
             "ServiceDefinition.Port of type int"},
            {"/agent/service/register", R"({"Port":80})", 400, "Missing service name"},
            {"/agent/service/register", R"({"Name":"x","Address":"0.0.0.0"})", 400,
             "Invalid service address"},
            {"/agent/service/register", R"({"Name":"x","Check":{"TTL":"1s","Status":"bogus"}})",
             400, "Status for checks must 'passing', 'warning', 'critical'"},
            {"/agent/service/register",
             json{{"Name", "p"},
                  {"Kind", "connect-proxy"},
                  {"Port", 21500},
                  {"Proxy",
                   {{"DestinationServiceName", "web"},
                    {"Upstreams",
                     {{{"DestinationName", "a"}, {"LocalBindPort", 9000}},
                      {{"DestinationName", "b"}, {"LocalBindPort", 9000}}}}}}}
                 .dump(),
             400,
             "Validation failed: 1 error occurred:\n\t* upstreams cannot contain duplicates by "
             "local bind address and port or unix path; \"127.0.0.1:9000\" is specified "
             "twice\n\n"},
            {"/agent/check/register", R"({"TTL":"1s"})", 400, "Missing check name"},
            {"/agent/check/register", R"({"Name":"c","TTL":"1s","ServiceID":"ghost"})", 404,
             "ServiceID \"ghost\" does not exist"},
            {"/agent/check/update/ttl%3Asvc1-host", R"({"Status":"bogus"})", 400,
             "Invalid check status: 'bogus'"},
            {"/agent/check/update/nope", R"({"Status":"passing"})", 404,
             "Unknown check ID \"nope\". Ensure that the check ID is passed, not the check name."},
            {"/agent/check/pass/nope", "", 404,
             "Unknown check ID \"nope\". Ensure that the check ID is passed, not the check name."},
            {"/agent/check/pass/service%3Asvc1-host-sidecar-proxy%3A1", "", 500,
             "CheckID \"service:svc1-host-sidecar-proxy:1\" does not have associated TTL"},
            {"/agent/service/deregister/nope", "", 404,
             "Unknown service ID \"nope\". Ensure that the service ID is passed, not the service "
             "name."},
        };
        for (const Case& c : cases) {
            auto req = Request::put(c.path);
            if (!c.body.empty()) {
                req.body = c.body;
            }
            const Reply r = send(*client_, req);
            QVERIFY2(r.error.empty(), r.error.c_str());
            QVERIFY2(r.status == c.status,
                     qPrintable(QString("%1 %2 -> %3 %4")
                                    .arg(c.path, QString::fromStdString(c.body))
                                    .arg(r.status)
                                    .arg(QString::fromStdString(r.body))));
            QCOMPARE(r.body, c.text);
            QCOMPARE(r.header("content-type"), std::string("text/plain; charset=utf-8"));
        }
        const Reply unknownId = get(*client_, "/agent/service/nope");
        QCOMPARE(unknownId.status, 404);
        QCOMPARE(unknownId.body, std::string("unknown service ID: nope"));
        const Reply wrongMethod = send(*client_, Request::post("/agent/services"));
        QCOMPARE(wrongMethod.status, 405);
        QCOMPARE(wrongMethod.body, std::string("method POST not allowed"));
        QCOMPARE(wrongMethod.header("allow"), std::string("OPTIONS,GET"));
        const Reply notApi = get(*client_, "/agent/nothing-here");
        QCOMPARE(notApi.status, 404);
        QCOMPARE(notApi.body, std::string("Invalid URL path: not a recognized HTTP API endpoint"));
        // Oversized body: 413 with Consul's text; the agent goes on serving.
        auto big = Request::put("/kv/big");
        big.body = std::string(600 * 1024, 'x');
        big.contentType = "application/octet-stream";
        const Reply tooLarge = send(*client_, big);
        QCOMPARE(tooLarge.status, 413);
        QVERIFY2(tooLarge.body.rfind(
                     "Request body(614400 bytes) too large, max size: 524288 bytes.", 0) == 0,
                 tooLarge.body.c_str());
        auto after = client_->call(endpoints::agentServices());
        QVERIFY(after.ok());
        QCOMPARE(after->size(), before->size());
        for (const auto& [id, svc] : *before) {
            QVERIFY(after->count(id) == 1);
            QCOMPARE(after->at(id).raw, svc.raw);
        }
    }

    void kvRoundTrip() {
        auto put = client_->call(endpoints::kvPut("app/config", "hello"));
        QVERIFY2(put.ok() && *put, put.ok() ? "" : put.error().toString().c_str());
        auto got = client_->call(endpoints::kvGet("app/config"));
        QVERIFY(got.ok());
        QCOMPARE(got->value.value_or(""), std::string("hello"));
        const Reply raw = get(*client_, "/kv/app/config");
        QCOMPARE(raw.status, 200);
        QCOMPARE(raw.json[0]["Value"], json("aGVsbG8="));  // base64, as Consul stores bytes
        QCOMPARE(raw.json[0]["Key"], json("app/config"));
        QVERIFY(raw.hasIndex && raw.index == raw.json[0]["ModifyIndex"].get<uint64_t>());
        QVERIFY(client_->call(endpoints::kvPut("app/other", "x")).ok());
        auto keys = client_->call(endpoints::kvKeys("app/"));
        QVERIFY(keys.ok());
        QCOMPARE(keys->value, (std::vector<std::string>{"app/config", "app/other"}));
        // Check-and-set with a stale index fails with `false`.
        auto cas = Request::put("/kv/app/config");
        cas.param("cas", "1");
        cas.body = "stale";
        QCOMPARE(send(*client_, cas).json, json(false));
        QVERIFY(client_->call(endpoints::kvDelete("app/", true)).ok());
        QCOMPARE(get(*client_, "/kv/app/config").status, 404);
    }

    void deregisterRemovesSidecar() {
        QVERIFY(client_->call(endpoints::deregisterService("svc1-host")).ok());
        auto services = client_->call(endpoints::agentServices());
        QVERIFY(services.ok());
        QVERIFY(services->count("svc1-host") == 0);
        QVERIFY(services->count("svc1-host-sidecar-proxy") == 0);
        auto checks = client_->call(endpoints::agentChecks());
        QVERIFY(checks.ok());
        QVERIFY(checks->count("service:svc1-host-sidecar-proxy:1") == 0);
    }
};

QTEST_GUILESS_MAIN(TestAgentApi)
#include "test_agent_api.moc"
