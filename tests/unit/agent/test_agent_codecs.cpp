// Pure parts of the agent: Go durations, Go-style JSON decoding, the HTTP request parser,
// intention precedence.

#include "agent/definition_decoder.h"
#include "agent/go_duration.h"
#include "agent/go_json.h"
#include "agent/go_json_decoder.h"
#include "agent/http_request_parser.h"
#include "agent/intention_store.h"
#include "fake_clock.h"
#include "meshx_test.h"

using namespace meshx::agent;
using namespace std::chrono_literals;

namespace {

std::string decodeError(const char* body) {
    auto parsed = parseGoJsonBody(body);
    if (!parsed) {
        return parsed.error().message;
    }
    try {
        decodeServiceDefinition(*parsed);
    } catch (const DecodeError& e) {
        return e.what();
    }
    return "";
}

HttpRequestParser makeParser(uint64_t maxBody = 1 << 20) {
    HttpRequestParser::Limits limits;
    limits.maxHeaderBytes = 1024;
    limits.bodyLimit = [maxBody](const HttpRequest&) { return maxBody; };
    limits.tooLarge = [](const HttpRequest&, uint64_t n) {
        return HttpResponse::text(413, "too large " + std::to_string(n));
    };
    return HttpRequestParser(limits);
}

}  // namespace

class TestAgentCodecs : public QObject {
    Q_OBJECT

  private slots:
    void goDurations_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<qint64>("nanos");
        QTest::addColumn<QString>("formatted");
        QTest::newRow("10s") << "10s" << qint64(10'000'000'000) << "10s";
        QTest::newRow("1m30s") << "1m30s" << qint64(90'000'000'000) << "1m30s";
        QTest::newRow("500ms") << "500ms" << qint64(500'000'000) << "500ms";
        QTest::newRow("1.5s") << "1.5s" << qint64(1'500'000'000) << "1.5s";
        QTest::newRow("1h") << "1h" << qint64(3'600'000'000'000) << "1h0m0s";
        QTest::newRow("0") << "0" << qint64(0) << "0s";
        QTest::newRow("us") << "2us" << qint64(2000) << "2\xc2\xb5s";
        QTest::newRow("72h") << "72h" << qint64(259'200'000'000'000) << "72h0m0s";
    }
    void goDurations() {
        QFETCH(QString, text);
        QFETCH(qint64, nanos);
        QFETCH(QString, formatted);
        auto d = parseGoDuration(text.toStdString());
        QVERIFY(d.ok());
        QCOMPARE(static_cast<qint64>(d->count()), nanos);
        QCOMPARE(QString::fromStdString(formatGoDuration(*d)), formatted);
    }

    void goDurationErrors() {
        QCOMPARE(parseGoDuration("abc").error().message,
                 std::string("time: invalid duration \"abc\""));
        QCOMPARE(parseGoDuration("10").error().message,
                 std::string("time: missing unit in duration \"10\""));
        QCOMPARE(parseGoDuration("10x").error().message,
                 std::string("time: unknown unit \"x\" in duration \"10x\""));
        QVERIFY(!parseGoDuration("").ok());
    }

    void goJsonSyntaxErrors() {
        QCOMPARE(parseGoJsonBody("").error().message, std::string("EOF"));
        QCOMPARE(parseGoJsonBody("   ").error().message, std::string("EOF"));
        QCOMPARE(parseGoJsonBody("{\"a\":").error().message, std::string("unexpected EOF"));
        QCOMPARE(parseGoJsonBody("x").error().message,
                 std::string("invalid character 'x' looking for beginning of value"));
        QCOMPARE(parseGoJsonBody("{\"a\" 1}").error().message,
                 std::string("invalid character '1' after object key"));
        QCOMPARE(parseGoJsonBody("{\"a\":1 \"b\"}").error().message,
                 std::string("invalid character '\"' after object key:value pair"));
        QCOMPARE(parseGoJsonBody("{a:1}").error().message,
                 std::string("invalid character 'a' looking for beginning of object key string"));
        QCOMPARE(parseGoJsonBody("[1,]").error().message,
                 std::string("invalid character ']' looking for beginning of value"));
        QCOMPARE(parseGoJsonBody("tru").error().message, std::string("unexpected EOF"));
        QCOMPARE(parseGoJsonBody("{\"a\":tx}").error().message,
                 std::string("invalid character 'x' in literal true (expecting 'r')"));
        // Go's Decoder reads one value and ignores what follows.
        QVERIFY(parseGoJsonBody("{\"a\":1} trailing").ok());
    }

    void decoderIsCaseInsensitiveAndStrict() {
        auto def = decodeServiceDefinition(IJson::parse(
            R"({"name":"web","ID":"w1","port":80,"enable_tag_override":true,"CHECK":{"ttl":"10s","checkid":"t"},"connect":{"sidecar_service":{"proxy":{"local_service_port":8080,"upstreams":[{"destination_name":"db","local_bind_port":9191}]}}}})"));
        QCOMPARE(def.name, std::string("web"));
        QCOMPARE(def.id, std::string("w1"));
        QCOMPARE(def.port, int64_t{80});
        QVERIFY(def.enableTagOverride);
        QCOMPARE(def.checks.size(), size_t{1});
        QCOMPARE(def.checks[0].ttl, std::chrono::nanoseconds(10s));
        QCOMPARE(def.checks[0].checkId, std::string("t"));
        QVERIFY(def.sidecarService != nullptr);
        QCOMPARE(def.sidecarService->proxy->localServicePort, int64_t{8080});
        QCOMPARE(def.sidecarService->proxy->upstreams.at(0).destinationName, std::string("db"));
        QCOMPARE(def.sidecarService->proxy->upstreams.at(0).localBindPort, int64_t{9191});
        // Durations as nanosecond numbers.
        auto numeric =
            decodeServiceDefinition(IJson::parse(R"({"Name":"x","Check":{"TTL":2000000000}})"));
        QCOMPARE(numeric.checks.at(0).ttl, std::chrono::nanoseconds(2s));
        // Strictness.
        QCOMPARE(decodeError(R"({"Name":"x","Datacenter":"dc1"})"),
                 std::string("json: unknown field \"Datacenter\""));
        QCOMPARE(decodeError(R"({"Name":"x","Check":{"ID":"a"}})"),
                 std::string("json: unknown field \"ID\""));
        QCOMPARE(decodeError(R"({"Name":"x","Tags":"a"})"),
                 std::string("json: cannot unmarshal string into Go struct field "
                             "ServiceDefinition.Tags of type []string"));
        QCOMPARE(decodeError(R"({"Name":"x","Port":1.5})"),
                 std::string("json: cannot unmarshal number 1.5 into Go struct field "
                             "ServiceDefinition.Port of type int"));
        QCOMPARE(decodeError(R"([1])"), std::string("json: cannot unmarshal array into Go value of "
                                                    "type structs.ServiceDefinition"));
        QCOMPARE(decodeError(R"({"Name":"x","Check":{"TTL":"soon"}})"),
                 std::string("time: invalid duration \"soon\""));
        // MX re-registers what it read, minus the output-only keys: accepted.
        QCOMPARE(
            decodeError(
                R"({"Kind":"connect-proxy","ID":"a","Name":"a","Tags":[],"Meta":{},"Port":21000,"Address":"","Weights":{"Passing":1,"Warning":1},"EnableTagOverride":false,"Proxy":{"DestinationServiceName":"b","DestinationServiceID":"b","LocalServiceAddress":"127.0.0.1","LocalServicePort":1,"Upstreams":[{"DestinationType":"service","DestinationName":"s","LocalBindAddress":"127.0.0.1","LocalBindPort":65535,"MeshGateway":{}}],"MeshGateway":{},"Expose":{}}})"),
            std::string(""));
    }

    void jsonOutputEscapesLikeGo() {
        OJson v{{"a", "<b>&"}};
        QCOMPARE(encodeGoJson(v, false), std::string(R"({"a":"\u003cb\u003e\u0026"})"));
        QCOMPARE(encodeGoJson(OJson::object(), true), std::string("{}\n"));
    }

    void parserHandlesPipelinedRequests() {
        auto p = makeParser();
        const std::string bytes =
            "GET /v1/agent/service/ttl%3Aweb?filter=Kind+%3D%3D+%22x%22&token=t HTTP/1.1\r\n"
            "Host: x\r\n\r\n"
            "PUT /v1/kv/a HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc";
        // Byte by byte: the parser must not depend on read boundaries.
        std::vector<HttpRequest> got;
        for (char c : bytes) {
            p.append(&c, 1);
            for (auto o = p.next(); o.kind == HttpRequestParser::Outcome::Kind::Request;
                 o = p.next()) {
                got.push_back(o.request);
            }
        }
        QCOMPARE(got.size(), size_t{2});
        QCOMPARE(got[0].path, std::string("/v1/agent/service/ttl:web"));
        QCOMPARE(got[0].queryOr("filter"), std::string("Kind == \"x\""));
        QCOMPARE(got[0].queryOr("token"), std::string("t"));
        QCOMPARE(*got[0].header("host"), std::string("x"));
        QCOMPARE(got[1].method, std::string("PUT"));
        QCOMPARE(got[1].body, std::string("abc"));
    }

    void parserRefusesWhatItCannotHold() {
        auto p = makeParser(10);
        const std::string big =
            "PUT /v1/kv/a HTTP/1.1\r\nContent-Length: 20\r\n\r\n01234567890123456789";
        p.append(big.data(), big.size());
        auto o = p.next();
        QCOMPARE(o.kind, HttpRequestParser::Outcome::Kind::Fail);
        QCOMPARE(o.failure.status, 413);
        QCOMPARE(o.failure.body, std::string("too large 20"));
        QVERIFY(o.failure.close);

        auto h = makeParser();
        const std::string headers = "GET / HTTP/1.1\r\nX: " + std::string(2000, 'a');
        h.append(headers.data(), headers.size());
        QCOMPARE(h.next().failure.status, 431);

        auto bad = makeParser();
        bad.append("NONSENSE\r\n\r\n", 12);
        QCOMPARE(bad.next().failure.status, 400);

        auto badPath = makeParser();
        badPath.append("GET /v1/%zz HTTP/1.1\r\n\r\n", 25);
        QCOMPARE(badPath.next().failure.status, 400);
    }

    void intentionPrecedenceAndAuthorize() {
        QCOMPARE(intentionPrecedence("web", "db"), 9);
        QCOMPARE(intentionPrecedence("*", "db"), 8);
        QCOMPARE(intentionPrecedence("web", "*"), 6);
        QCOMPARE(intentionPrecedence("*", "*"), 5);
        IndexTable idx;
        FakeClock clock;
        IntentionStore store(idx, clock);
        IntentionInput deny;
        deny.action = "deny";
        IntentionInput allow;
        allow.action = "allow";
        QVERIFY(store.upsertExact("*", "db", deny).ok());
        QVERIFY(store.upsertExact("web", "db", allow).ok());
        auto d = store.authorize("web", "db", false);
        QVERIFY(d.allowed);  // exact beats wildcard
        QCOMPARE(d.reason,
                 std::string("Matched L4 intention: web => db (Precedence: 9, Action: ALLOW)"));
        QVERIFY(!store.authorize("api", "db", true).allowed);
        auto dflt = store.authorize("api", "cache", true);
        QVERIFY(dflt.allowed);
        QCOMPARE(dflt.reason, std::string("Default behavior configured by ACLs"));
        QVERIFY(!store.authorize("api", "cache", false).allowed);
        IntentionInput partial;
        partial.action = "allow";
        auto s = store.upsertExact("web*", "db", partial);
        QVERIFY(!s.ok());
        QCOMPARE(s.error().message,
                 std::string("1 error occurred:\n\t* SourceName: wildcard character '*' cannot be "
                             "used with partial values\n\n"));
        QCOMPARE(store.match(true, "db").size(), size_t{2});
        QCOMPARE(store.match(true, "db").front()->sourceName, std::string("web"));
    }
};

QTEST_GUILESS_MAIN(TestAgentCodecs)
#include "test_agent_codecs.moc"
