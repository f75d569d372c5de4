// Unit tests of core/telemetry/otlp: the OTEL_* variables, samplers, the OTLP JSON codec, the
// RPC span derivation, the bounded span queue, the retry back-off, and the exporter and receiver
// talking over real loopback sockets.
#include "meshx_test.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <QElapsedTimer>
#include <map>
#include <mutex>

#include <nlohmann/json.hpp>

#include "telemetry/in_process_bus.h"
#include "telemetry/otlp/flow_span.h"
#include "telemetry/otlp/otlp_config.h"
#include "telemetry/otlp/otlp_exporter.h"
#include "telemetry/otlp/otlp_json.h"
#include "telemetry/otlp/otlp_receiver.h"
#include "telemetry/otlp/retry_backoff.h"
#include "telemetry/otlp/rpc_span.h"
#include "telemetry/otlp/sampler.h"
#include "telemetry/otlp/span_queue.h"
#include "telemetry/rpc_record.h"

using namespace meshx;
using namespace meshx::telemetry;
using namespace meshx::telemetry::otlp;
using nlohmann::json;

namespace {

OtlpConfig::Getenv envOf(std::map<std::string, std::string> vars) {
    return [vars = std::move(vars)](const char* name) {
        auto it = vars.find(name);
        return it == vars.end() ? std::string() : it->second;
    };
}

TraceId traceIdWithLow(uint64_t low) {
    TraceId id{};
    id[0] = 1;
    for (int i = 15; i >= 8; --i) {
        id[static_cast<size_t>(i)] = static_cast<uint8_t>(low & 0xff);
        low >>= 8;
    }
    return id;
}

Span sampleSpan() {
    Span s;
    fromHex("4bf92f3577b34da6a3ce929d0e0e4736", s.traceId);
    fromHex("00f067aa0ba902b7", s.spanId);
    s.name = "echo";
    s.kind = SpanKind::Client;
    s.startTimeUnixNano = 1796553662123456000ULL;
    s.endTimeUnixNano = 1796553662123999000ULL;
    s.attributes = {{"rpc.system", std::string("meshx_rpc")},
                    {"server.port", int64_t{4000}},
                    {"ratio", 0.5},
                    {"ok", true}};
    s.events.push_back({1796553662123500000ULL, "rpc.message", {{"rpc.message.id", int64_t{1}}}});
    return s;
}

// An RPC call event as core/rpc/rpc_telemetry.cpp publishes it.
Event rpcEvent(const char* source, const json& local, const json& remote, int64_t timeUs) {
    Event e;
    e.source = source;
    e.name = "call";
    e.timeUs = timeUs;
    e.metrics = {{"blocks", {{"send", 1}, {"recv", 1}}},
                 {"size", {{"send", 40}, {"recv", 38}}},
                 {"time", {{"ser", 3}, {"dser", 2}, {"exec", 100}, {"send", 10}, {"recv", 20}}}};
    e.meta = {{"address", "tcp://127.0.0.1:4000"},
              {"hsk_ref", 7},
              {"req_ref", 42},
              {"result", "ok"},
              {"state", "recv"},
              {"local", local},
              {"remote", remote},
              {"fun_name", "echo"},
              {"fun_req", "call"}};
    return e;
}

const json kClientRefs = {{"conn_ref", "AQID"}, {"node_ref", "nonode@nohost"}, {"svc_ref", "pool"}};
const json kServerRefs = {{"conn_ref", "BAUG"}, {"node_ref", "n1@host"}, {"svc_ref", "service1"}};

// Every span event the receiver published on `bus` so far.
std::vector<Event> spansOn(Subscription& sub) {
    std::vector<Event> out;
    sub.drain(out);
    return out;
}

// One raw HTTP exchange on a fresh loopback connection; returns the whole answer.
std::string rawHttp(uint16_t port, const std::string& request) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    ::inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        ::close(fd);
        return {};
    }
    timeval tv{10, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    (void)!::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
    std::string out;
    char buf[4096];
    while (true) {
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0)
            break;
        out.append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
    return out;
}

std::string post(const std::string& path, const std::string& type, const std::string& body) {
    return "POST " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: " + type +
           "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

OtlpExporter::Options exporterOptions(const std::string& url, InProcessBus* bus) {
    OtlpExporter::Options o;
    auto config = OtlpConfig::fromEnvironment(
        envOf({{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", url},
               {"OTEL_EXPORTER_OTLP_HEADERS", "Authorization=Bearer%20s3cr3t-token"},
               {"OTEL_EXPORTER_OTLP_TIMEOUT", "2000"},
               {"OTEL_BSP_SCHEDULE_DELAY", "20"}}),
        "unit-test");
    Q_ASSERT(config.ok());
    o.config = *config;
    o.bus = bus;
    o.tick = std::chrono::milliseconds(10);
    o.backoff.initial = std::chrono::milliseconds(20);
    o.backoff.max = std::chrono::milliseconds(80);
    return o;
}

}  // namespace

class TestOtlp : public QObject {
    Q_OBJECT

  private slots:
    void endpointFromTheStandardVariables() {
        auto c = OtlpConfig::fromEnvironment(
            envOf({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318/"}}), "meshx-proxy");
        QVERIFY(c.ok());
        QVERIFY(c->enabled);
        QCOMPARE(c->endpoint, std::string("http://127.0.0.1:4318/v1/traces"));
        QCOMPARE(c->serviceName(), std::string("meshx-proxy"));
        QCOMPARE(c->sampler.describe(), std::string("parentbased_always_on"));

        // The signal-specific variable wins and is used as is.
        c = OtlpConfig::fromEnvironment(
            envOf({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://a:4318"},
                   {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "https://b:443/custom/traces"}}),
            "x");
        QCOMPARE(c->endpoint, std::string("https://b:443/custom/traces"));

        // Off unless asked, off when disabled or when the exporter is none.
        QVERIFY(!OtlpConfig::fromEnvironment(envOf({}), "x")->enabled);
        QVERIFY(!OtlpConfig::fromEnvironment(envOf({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://a:1"},
                                                    {"OTEL_SDK_DISABLED", "true"}}),
                                             "x")
                     ->enabled);
        QVERIFY(!OtlpConfig::fromEnvironment(envOf({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://a:1"},
                                                    {"OTEL_TRACES_EXPORTER", "none"}}),
                                             "x")
                     ->enabled);

        auto bad = OtlpConfig::fromEnvironment(
            envOf({{"OTEL_EXPORTER_OTLP_ENDPOINT", "grpc://user:pw@a:4317"}}), "x");
        QVERIFY(!bad.ok());
        QCOMPARE(bad.error().code, Code::InvalidArgument);
        QVERIFY(bad.error().message.find("pw") == std::string::npos);
    }

    void headersAndResourceAttributes() {
        auto c = OtlpConfig::fromEnvironment(
            envOf({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://user:hunter2@127.0.0.1:4318"},
                   {"OTEL_EXPORTER_OTLP_HEADERS", "Authorization=Bearer%20abc, x-tenant = t1"},
                   {"OTEL_EXPORTER_OTLP_TRACES_HEADERS", "x-tenant=t2"},
                   {"OTEL_RESOURCE_ATTRIBUTES",
                    "service.name=from-attrs,deployment.environment=dev%2Fa"},
                   {"OTEL_SERVICE_NAME", "shop"}}),
            "x");
        QVERIFY(c.ok());
        QCOMPARE(c->headers.size(), size_t{2});
        QCOMPARE(c->headers[0].second, std::string("Bearer abc"));
        QCOMPARE(c->headers[1].second, std::string("t2"));  // the traces variable overrides
        QCOMPARE(c->serviceName(), std::string("shop"));    // OTEL_SERVICE_NAME wins
        const AttrValue* env = findAttribute(c->resource, "deployment.environment");
        QVERIFY(env != nullptr);
        QCOMPARE(attributeText(*env), std::string("dev/a"));
        QVERIFY(findAttribute(c->resource, "telemetry.sdk.name") != nullptr);
        // Secrets stay out of the description: header names only, no user info.
        const std::string d = c->describe();
        QVERIFY(d.find("Bearer") == std::string::npos);
        QVERIFY(d.find("hunter2") == std::string::npos);
        QVERIFY(d.find("Authorization") != std::string::npos);
        QCOMPARE(OtlpConfig::redactUrl("https://u:p@h:1/v1/traces?token=zz"),
                 std::string("https://***@h:1/v1/traces"));

        // A malformed entry is named by position, never by its text.
        auto bad = OtlpConfig::fromEnvironment(
            envOf({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://a:1"},
                   {"OTEL_EXPORTER_OTLP_HEADERS", "a=1,TopSecretNoEquals"}}),
            "x");
        QVERIFY(!bad.ok());
        QVERIFY(bad.error().message.find("entry 2") != std::string::npos);
        QVERIFY(bad.error().message.find("TopSecret") == std::string::npos);
        QVERIFY(!OtlpConfig::fromEnvironment(envOf({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://a:1"},
                                                    {"OTEL_EXPORTER_OTLP_HEADERS", "a=%zz"}}),
                                             "x")
                     .ok());
        QVERIFY(!OtlpConfig::fromEnvironment(envOf({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://a:1"},
                                                    {"OTEL_BSP_MAX_QUEUE_SIZE", "lots"}}),
                                             "x")
                     .ok());
    }

    void samplerParsing() {
        QCOMPARE(Sampler::parse("always_off", "")->describe(), std::string("always_off"));
        QCOMPARE(Sampler::parse("traceidratio", "0.25")->ratio(), 0.25);
        QVERIFY(Sampler::parse("parentbased_traceidratio", "0.1")->parentBased());
        QVERIFY(!Sampler::parse("sometimes", "").ok());
        QVERIFY(!Sampler::parse("traceidratio", "1.5").ok());
        QVERIFY(!Sampler::parse("traceidratio", "half").ok());
        // A bad sampler is a warning: the default applies, export stays on.
        auto c = OtlpConfig::fromEnvironment(envOf({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://a:1"},
                                                    {"OTEL_TRACES_SAMPLER", "sometimes"}}),
                                             "x");
        QVERIFY(c.ok());
        QVERIFY(c->enabled);
        QCOMPARE(c->warnings.size(), size_t{1});
        QCOMPARE(c->sampler.describe(), std::string("parentbased_always_on"));
    }

    void samplerDecisions() {
        const TraceId any = traceIdWithLow(12345);
        QVERIFY(Sampler(Sampler::Root::AlwaysOn, 1, false).shouldSample(any));
        QVERIFY(!Sampler(Sampler::Root::AlwaysOff, 1, false).shouldSample(any));
        // traceidratio compares the low 8 bytes >> 1 with ratio * 2^63.
        const Sampler tenth(Sampler::Root::TraceIdRatio, 0.1, false);
        QVERIFY(tenth.shouldSample(traceIdWithLow(0)));
        QVERIFY(!tenth.shouldSample(traceIdWithLow(~uint64_t{0})));
        QVERIFY(tenth.shouldSample(
            traceIdWithLow(static_cast<uint64_t>(0.099 * 18446744073709551616.0))));
        QVERIFY(!tenth.shouldSample(
            traceIdWithLow(static_cast<uint64_t>(0.101 * 18446744073709551616.0))));
        // Over derived RPC trace ids, about a tenth is kept.
        int kept = 0;
        for (uint64_t i = 1; i <= 10000; ++i) {
            auto ids = deriveRpcTraceIds({"c", "n", "s"}, {"d", "m", "t"}, 1, i);
            kept += tenth.shouldSample(ids.traceId) ? 1 : 0;
        }
        QVERIFY2(kept > 800 && kept < 1200, qPrintable(QString::number(kept)));
        // parentbased: the parent's flag decides; an unknown parent asks the root sampler.
        const Sampler pb(Sampler::Root::AlwaysOff, 1, true);
        QVERIFY(pb.shouldSample(any, Sampler::Parent::Sampled));
        QVERIFY(!pb.shouldSample(any, Sampler::Parent::Unknown));
        const Sampler pbOn(Sampler::Root::AlwaysOn, 1, true);
        QVERIFY(!pbOn.shouldSample(any, Sampler::Parent::NotSampled));
        QVERIFY(pbOn.shouldSample(any, Sampler::Parent::None));
        // Same ratio, same trace: two processes agree (a client and its server).
        const Sampler other(Sampler::Root::TraceIdRatio, 0.1, true);
        for (uint64_t i = 1; i <= 200; ++i) {
            auto ids = deriveRpcTraceIds({"c", "n", "s"}, {"d", "m", "t"}, 2, i);
            QCOMPARE(other.shouldSample(ids.traceId, Sampler::Parent::Unknown),
                     tenth.shouldSample(ids.traceId));
        }
    }

    void jsonEncodingFollowsOtlp() {
        Span child = sampleSpan();
        fromHex("a3ce929d0e0e4736", child.parentSpanId);
        child.status = StatusCode::Error;
        child.statusMessage = "boom";
        ResourceSpans rs;
        rs.resource = {{"service.name", std::string("svc")}};
        rs.scopeName = "meshx";
        rs.scopeVersion = "1.2.3";
        rs.spans = {sampleSpan(), child};
        const json j = json::parse(encodeTraces({rs}));
        const json& span = j["resourceSpans"][0]["scopeSpans"][0]["spans"][0];
        QCOMPARE(j["resourceSpans"][0]["resource"]["attributes"][0]["value"]["stringValue"]
                     .get<std::string>(),
                 std::string("svc"));
        QCOMPARE(span["traceId"].get<std::string>(),
                 std::string("4bf92f3577b34da6a3ce929d0e0e4736"));
        QCOMPARE(span["spanId"].get<std::string>(), std::string("00f067aa0ba902b7"));
        QVERIFY(!span.contains("parentSpanId"));  // a root span has none
        QVERIFY(span["startTimeUnixNano"].is_string());
        QCOMPARE(span["startTimeUnixNano"].get<std::string>(), std::string("1796553662123456000"));
        QCOMPARE(span["endTimeUnixNano"].get<std::string>(), std::string("1796553662123999000"));
        QCOMPARE(span["kind"].get<int>(), 3);
        QCOMPARE(span["attributes"][1]["value"]["intValue"].get<std::string>(),
                 std::string("4000"));
        QCOMPARE(span["attributes"][2]["value"]["doubleValue"].get<double>(), 0.5);
        QCOMPARE(span["attributes"][3]["value"]["boolValue"].get<bool>(), true);
        QCOMPARE(span["events"][0]["timeUnixNano"].get<std::string>(),
                 std::string("1796553662123500000"));
        QCOMPARE(span["flags"].get<int>(), 0x101);
        const json& second = j["resourceSpans"][0]["scopeSpans"][0]["spans"][1];
        QCOMPARE(second["parentSpanId"].get<std::string>(), std::string("a3ce929d0e0e4736"));
        QCOMPARE(second["status"]["code"].get<int>(), 2);
        QCOMPARE(second["status"]["message"].get<std::string>(), std::string("boom"));

        // And back.
        auto decoded = decodeTraces(j.dump());
        QVERIFY(decoded.ok());
        QCOMPARE(decoded->size(), size_t{1});
        const Span& back = (*decoded)[0].spans[1];
        QCOMPARE(toHex(back.traceId), toHex(child.traceId));
        QCOMPARE(toHex(back.parentSpanId), std::string("a3ce929d0e0e4736"));
        QCOMPARE(back.startTimeUnixNano, child.startTimeUnixNano);
        QCOMPARE(std::get<int64_t>(*findAttribute(back.attributes, "server.port")), int64_t{4000});
        QCOMPARE((*decoded)[0].scopeVersion, std::string("1.2.3"));
    }

    void jsonDecodingIsLenientWhereOtlpSaysSo() {
        const std::string body =
            R"({"resourceSpans":[{"resource":{"attributes":[]},"scopeSpans":[{"spans":[
            {"traceId":"4BF92F3577B34DA6A3CE929D0E0E4736","spanId":"00F067AA0BA902B7","name":"x",
             "kind":"SPAN_KIND_SERVER","startTimeUnixNano":1000,"endTimeUnixNano":"3000",
             "attributes":[{"key":"n","value":{"intValue":7}},{"key":"l","value":{"arrayValue":{"values":[]}}}],
             "status":{"code":"STATUS_CODE_ERROR"},"unknownField":1}]}]}]})";
        auto d = decodeTraces(body);
        QVERIFY2(d.ok(), d.ok() ? "" : d.error().message.c_str());
        const Span& s = (*d)[0].spans[0];
        QCOMPARE(s.kind, SpanKind::Server);
        QCOMPARE(s.status, StatusCode::Error);
        QCOMPARE(s.startTimeUnixNano, uint64_t{1000});
        QCOMPARE(s.endTimeUnixNano, uint64_t{3000});
        QCOMPARE(std::get<int64_t>(*findAttribute(s.attributes, "n")), int64_t{7});

        QCOMPARE(decodeTraces("not json").error().code, Code::ParseError);
        QCOMPARE(
            decodeTraces(
                R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"zz","spanId":"00f067aa0ba902b7"}]}]}]})")
                .error()
                .code,
            Code::ParseError);
        QCOMPARE(decodeTraces(R"({"resourceSpans":{}})").error().code, Code::ParseError);
    }

    void rpcSpansOfBothSidesShareOneTrace() {
        auto client = rpcSpan(rpcEvent("rpc.client", kClientRefs, kServerRefs, 1796553662000000));
        auto server = rpcSpan(rpcEvent("rpc.server", kServerRefs, kClientRefs, 1796553661999900));
        QVERIFY(client && server);
        QCOMPARE(toHex(server->traceId), toHex(client->traceId));
        QCOMPARE(toHex(server->parentSpanId), toHex(client->spanId));
        QVERIFY(!client->hasParent());
        QVERIFY(server->remoteParent);
        QCOMPARE(client->kind, SpanKind::Client);
        QCOMPARE(server->kind, SpanKind::Server);
        QCOMPARE(client->name, std::string("service1/echo"));
        QCOMPARE(server->name, std::string("service1/echo"));
        QCOMPARE(attributeText(*findAttribute(client->attributes, "rpc.system")),
                 std::string("meshx_rpc"));
        QCOMPARE(attributeText(*findAttribute(client->attributes, "rpc.method")),
                 std::string("echo"));
        QCOMPARE(attributeText(*findAttribute(client->attributes, "server.address")),
                 std::string("127.0.0.1"));
        QCOMPARE(std::get<int64_t>(*findAttribute(client->attributes, "server.port")),
                 int64_t{4000});
        QCOMPARE(std::get<int64_t>(*findAttribute(server->attributes, "meshx.rpc.exec_us")),
                 int64_t{100});
        // Ends at the event, lasts ser+dser+exec+send+recv = 135 us.
        QCOMPARE(client->endTimeUnixNano, uint64_t{1796553662000000000});
        QCOMPARE(client->endTimeUnixNano - client->startTimeUnixNano, uint64_t{135000});
        QCOMPARE(client->events.size(), size_t{2});
        QCOMPARE(client->status, StatusCode::Unset);

        // Another request on the same connection is another trace.
        Event next = rpcEvent("rpc.client", kClientRefs, kServerRefs, 1);
        next.meta["req_ref"] = 43;
        QVERIFY(toHex(rpcSpan(next)->traceId) != toHex(client->traceId));

        // A failure sets the status; non-request events are no spans.
        Event failed = rpcEvent("rpc.client", kClientRefs, kServerRefs, 1);
        failed.meta["result"] = "error: tcp_closed";
        auto f = rpcSpan(failed);
        QCOMPARE(f->status, StatusCode::Error);
        QCOMPARE(attributeText(*findAttribute(f->attributes, "error.type")),
                 std::string("tcp_closed"));
        Event hsk = rpcEvent("rpc.client", kClientRefs, kServerRefs, 1);
        hsk.name = "hsk";
        QVERIFY(!rpcSpan(hsk));
    }

    // Events shaped as core/proxy/flow_event.cpp publishes them (docs/taps.md).
    void sidecarFlowsBecomeSpansWithTheIntentionDecision() {
        Event e;
        e.source = "proxy.flow";
        e.name = "refused";
        e.timeUs = 1796553662000000;
        e.meta = {{"flow_ref", 7},
                  {"direction", "inbound"},
                  {"service", "service1"},
                  {"src", "127.0.0.1:51234"},
                  {"peer_id", "spiffe://t.consul/ns/default/dc/dc1/svc/web"},
                  {"intention",
                   "Matched L4 intention: web => service1 (ID: 1, Precedence: 9, "
                   "Action: DENY)"},
                  {"result", "refused"},
                  {"reason", "denied: Matched L4 intention: web => service1"}};
        e.metrics = {{"bytes", {{"to_upstream", 0}, {"to_downstream", 0}}},
                     {"time", {{"setup", 0}, {"duration", 250}}}};
        auto s = flowSpan(e);
        QVERIFY(s);
        QCOMPARE(s->name, std::string("proxy inbound service1"));
        QCOMPARE(s->kind, SpanKind::Server);
        QCOMPARE(s->status, StatusCode::Error);
        QCOMPARE(attributeText(*findAttribute(s->attributes, "meshx.proxy.intention.decision")),
                 std::string("deny"));
        QCOMPARE(attributeText(*findAttribute(s->attributes, "meshx.proxy.peer_id")),
                 std::string("spiffe://t.consul/ns/default/dc/dc1/svc/web"));
        QCOMPARE(std::get<int64_t>(*findAttribute(s->attributes, "meshx.proxy.flow_ref")),
                 int64_t{7});
        QCOMPARE(s->endTimeUnixNano - s->startTimeUnixNano, uint64_t{250000});
        QVERIFY(!isZero(s->traceId) && !isZero(s->spanId));

        e.name = "closed";
        e.meta = {{"flow_ref", 8},
                  {"direction", "outbound"},
                  {"service", "service1"},
                  {"instance", "vm/service1-a-sidecar-proxy"},
                  {"intention",
                   "Matched L4 intention: web => service1 (ID: 2, Precedence: 9, "
                   "Action: ALLOW)"},
                  {"result", "ok"},
                  {"reason", "completed"}};
        e.metrics = {{"bytes", {{"to_upstream", 40}, {"to_downstream", 38}}},
                     {"time", {{"duration", 1000}}}};
        s = flowSpan(e);
        QVERIFY(s);
        QCOMPARE(s->name, std::string("proxy outbound service1"));
        QCOMPARE(s->kind, SpanKind::Client);
        QCOMPARE(s->status, StatusCode::Unset);
        QCOMPARE(attributeText(*findAttribute(s->attributes, "meshx.proxy.intention.decision")),
                 std::string("allow"));
        QCOMPARE(std::get<int64_t>(*findAttribute(s->attributes, "meshx.proxy.bytes.to_upstream")),
                 int64_t{40});
        e.name = "accepted";  // the start of a flow: its span comes with `closed`
        QVERIFY(!flowSpan(e));
        e.name = "closed";
        e.source = "proxy";  // a proxy's log line
        QVERIFY(!flowSpan(e));
    }

    void queueDropsAreCounted() {
        SpanQueue q(3);
        for (int i = 0; i < 5; ++i) {
            Span s = sampleSpan();
            s.name = "s" + std::to_string(i);
            q.push(std::move(s));
        }
        QCOMPARE(q.size(), size_t{3});
        QCOMPARE(q.dropped(), uint64_t{2});
        std::vector<Span> out;
        QCOMPARE(q.take(out, 2), size_t{2});
        QCOMPARE(out[0].name, std::string("s0"));  // the first queued leave first
        QVERIFY(q.push(sampleSpan()));
        q.countDropped(10);
        QCOMPARE(q.dropped(), uint64_t{12});
    }

    void retryBackoffDoublesWithJitterUpToTheCap() {
        RetryBackoff low({std::chrono::milliseconds(1000), std::chrono::milliseconds(30000), 2.0},
                         [] { return 0.0; });
        QCOMPARE(low.nextDelay().count(), 500);
        QCOMPARE(low.nextDelay().count(), 1000);
        QCOMPARE(low.nextDelay().count(), 2000);
        RetryBackoff high({std::chrono::milliseconds(1000), std::chrono::milliseconds(30000), 2.0},
                          [] { return 1.0; });
        std::vector<int64_t> d;
        for (int i = 0; i < 8; ++i)
            d.push_back(high.nextDelay().count());
        QCOMPARE(d, (std::vector<int64_t>{1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000}));
        QCOMPARE(high.failures(), 8);
        high.reset();
        QCOMPARE(high.nextDelay().count(), 1000);
    }

    void receiverAnswersAndPublishesSpans() {
        InProcessBus bus;
        auto sub = bus.subscribe(1000);
        OtlpReceiver::Options o;
        o.bus = &bus;
        OtlpReceiver receiver(o);
        auto address = receiver.start();
        QVERIFY(address.ok());
        QVERIFY(address->port() != 0);
        const uint16_t port = address->port();

        ResourceSpans rs;
        rs.resource = {{"service.name", std::string("node-shop")}};
        rs.scopeName = "s";
        Span s = sampleSpan();
        s.kind = SpanKind::Server;
        rs.spans = {s};
        const std::string ok =
            rawHttp(port, post("/v1/traces", "application/json", encodeTraces({rs})));
        QVERIFY2(ok.rfind("HTTP/1.1 200", 0) == 0, ok.c_str());
        QVERIFY(ok.find("partialSuccess") != std::string::npos);
        std::vector<Event> events;
        QTRY_VERIFY_WITH_TIMEOUT(([&] {
                                     for (Event& ev : spansOn(*sub))
                                         events.push_back(std::move(ev));
                                     return !events.empty();
                                 }()),
                                 10000);
        const Event& e = events[0];
        QCOMPARE(e.source, std::string("otlp"));
        QCOMPARE(e.meta["service_name"].get<std::string>(), std::string("node-shop"));
        QCOMPARE(e.meta["trace_id"].get<std::string>(),
                 std::string("4bf92f3577b34da6a3ce929d0e0e4736"));
        // The console's records read it like an RPC request: fun, local.svc_ref, t.exec.
        const RpcRecord r = RpcRecord::fromEvent(e);
        QCOMPARE(r.fun, std::string("echo"));
        QCOMPARE(r.kind, std::string("server"));
        QCOMPARE(r.localSvc, std::string("node-shop"));
        QCOMPARE(r.tExec, int64_t{543});
        QVERIFY(r.isSpan());
        QVERIFY(r.isPlotted());

        QVERIFY(
            rawHttp(port, post("/v1/metrics", "application/json", "{}")).rfind("HTTP/1.1 404", 0) ==
            0);
        QVERIFY(
            rawHttp(port, "GET /v1/traces HTTP/1.1\r\nHost: x\r\n\r\n").rfind("HTTP/1.1 405", 0) ==
            0);
        QVERIFY(rawHttp(port, post("/v1/traces", "application/x-protobuf", "\x0a\x00"))
                    .rfind("HTTP/1.1 415", 0) == 0);
        const std::string bad =
            rawHttp(port, post("/v1/traces", "application/json", "{\"resourceSpans\":5}"));
        QVERIFY2(bad.rfind("HTTP/1.1 400", 0) == 0, bad.c_str());
        QVERIFY(rawHttp(port, "garbage\r\n\r\n").rfind("HTTP/1.1 400", 0) == 0);

        // Keep-alive: two requests on one connection, both answered.
        std::string two = post("/v1/traces", "application/json", encodeTraces({rs}));
        two.replace(two.find("Connection: close"), 17, "Connection: keep-alive");
        two += post("/v1/traces", "application/json", encodeTraces({rs}));
        const std::string answers = rawHttp(port, two);
        QCOMPARE(std::count(answers.begin(), answers.end(), '{') >= 2, true);
        QVERIFY(answers.find("HTTP/1.1 200", 1) != std::string::npos);
        QTRY_COMPARE_WITH_TIMEOUT(receiver.stats().requests, uint64_t{3}, 10000);
        QCOMPARE(receiver.stats().refused, uint64_t{5});
        receiver.stop();
        QVERIFY(!receiver.address());
    }

    void exporterTurnsBusEventsIntoSpansAtTheReceiver() {
        InProcessBus receiverBus;
        auto sub = receiverBus.subscribe(1000);
        OtlpReceiver::Options ro;
        ro.bus = &receiverBus;
        OtlpReceiver receiver(ro);
        QVERIFY(receiver.start().ok());

        InProcessBus bus;  // the exporting process's bus
        OtlpExporter exporter(exporterOptions(receiver.tracesUrl(), &bus));
        exporter.start();
        QVERIFY(bus.hasSubscribers());  // so RPC code measures and publishes
        bus.publish(rpcEvent("rpc.client", kClientRefs, kServerRefs, 1796553662000000));
        bus.publish(rpcEvent("rpc.server", kServerRefs, kClientRefs, 1796553661999900));
        Event hsk = rpcEvent("rpc.client", kClientRefs, kServerRefs, 1);
        hsk.name = "hsk";
        bus.publish(hsk);  // not a span
        QVERIFY(exporter.flush(std::chrono::seconds(20)));
        std::vector<Event> got;
        QTRY_VERIFY_WITH_TIMEOUT(([&] {
                                     for (Event& e : spansOn(*sub))
                                         got.push_back(std::move(e));
                                     return got.size() >= 2;
                                 }()),
                                 20000);
        QCOMPARE(got.size(), size_t{2});
        QCOMPARE(got[0].meta["trace_id"], got[1].meta["trace_id"]);
        QCOMPARE(got[1].meta["parent_span_id"], got[0].meta["span_id"]);
        QCOMPARE(got[0].meta["service_name"].get<std::string>(), std::string("unit-test"));
        QCOMPARE(got[0].meta["attributes"]["rpc.method"].get<std::string>(), std::string("echo"));
        const auto stats = exporter.stats();
        QCOMPARE(stats.exported, uint64_t{2});
        QCOMPARE(stats.dropped, uint64_t{0});
        exporter.stop();
    }

    void exportFailuresAreRetriedAndReportedOnce() {
        // A port nobody listens on yet: bind one, read it, close it.
        OtlpReceiver probe({});
        auto probeAddress = probe.start();
        QVERIFY(probeAddress.ok());
        const uint16_t port = probeAddress->port();
        probe.stop();

        std::mutex mutex;
        std::vector<std::string> reports;
        InProcessBus bus;
        auto options =
            exporterOptions("http://127.0.0.1:" + std::to_string(port) + "/v1/traces", &bus);
        options.report = [&](const std::string& line) {
            std::lock_guard lock(mutex);
            reports.push_back(line);
        };
        OtlpExporter exporter(options);
        exporter.start();
        for (int i = 0; i < 3; ++i)
            exporter.exportSpan(sampleSpan());
        QTRY_VERIFY_WITH_TIMEOUT(exporter.stats().failedPosts >= 4, 30000);
        {
            std::lock_guard lock(mutex);
            QCOMPARE(reports.size(), size_t{1});  // many failures, one report
            QVERIFY(reports[0].find("cannot export") != std::string::npos);
            QVERIFY(reports[0].find("s3cr3t") == std::string::npos);  // the header's token
        }
        QVERIFY(exporter.stats().failing);

        // The collector comes up on that port: the kept batch goes through, once reported.
        InProcessBus receiverBus;
        auto sub = receiverBus.subscribe(1000);
        OtlpReceiver::Options ro;
        ro.listen = net::Address::tcp("127.0.0.1", port);
        ro.bus = &receiverBus;
        OtlpReceiver receiver(ro);
        QVERIFY(receiver.start().ok());
        QTRY_COMPARE_WITH_TIMEOUT(exporter.stats().exported, uint64_t{3}, 30000);
        QVERIFY(!exporter.stats().failing);
        std::lock_guard lock(mutex);
        QCOMPARE(reports.size(), size_t{2});
        QVERIFY(reports[1].find("works again") != std::string::npos);
    }

    void aFullQueueDropsAndCountsWithoutWaiting() {
        InProcessBus bus;
        // A dead endpoint keeps the exporter retrying its first batch; the queue fills.
        OtlpReceiver probe({});
        auto probeAddress = probe.start();
        QVERIFY(probeAddress.ok());
        const uint16_t port = probeAddress->port();
        probe.stop();
        auto options =
            exporterOptions("http://127.0.0.1:" + std::to_string(port) + "/v1/traces", &bus);
        options.config.maxQueueSize = 10;
        options.config.maxExportBatchSize = 5;
        options.report = [](const std::string&) {};
        OtlpExporter exporter(options);
        exporter.start();
        QElapsedTimer t;
        t.start();
        for (int i = 0; i < 1000; ++i)
            exporter.exportSpan(sampleSpan());
        QVERIFY2(t.elapsed() < 5000, "exportSpan waited");
        // At most 10 queued plus one 5-span batch in flight; everything else is counted.
        QTRY_VERIFY_WITH_TIMEOUT(exporter.stats().dropped >= 985, 10000);
        QVERIFY(exporter.stats().dropped <= 1000);
    }

    void samplerAppliesInTheExporter() {
        InProcessBus receiverBus;
        OtlpReceiver::Options ro;
        ro.bus = &receiverBus;
        OtlpReceiver receiver(ro);
        QVERIFY(receiver.start().ok());
        InProcessBus bus;
        auto options = exporterOptions(receiver.tracesUrl(), &bus);
        options.config.sampler = Sampler(Sampler::Root::TraceIdRatio, 0.1, true);
        OtlpExporter exporter(options);
        exporter.start();
        // Published in rounds of 100, each accounted for before the next: the bus ring is
        // bounded and drops (by design) when a loaded machine starves the exporter's thread, and
        // this test is about the sampler, not back-pressure (queueDropsAreCounted is).
        const auto accounted = [&] {
            const auto st = exporter.stats();
            return st.exported + st.sampledOut + st.dropped;
        };
        for (uint64_t i = 1; i <= 2000; ++i) {
            Event e = rpcEvent("rpc.client", kClientRefs, kServerRefs, 1796553662000000);
            e.meta["req_ref"] = i;
            bus.publish(e);
            if (i % 100 == 0)
                QTRY_VERIFY_WITH_TIMEOUT(accounted() >= i, 20000);
        }
        QVERIFY(exporter.flush(std::chrono::seconds(30)));
        const auto s = exporter.stats();
        QCOMPARE(s.dropped, uint64_t{0});
        QCOMPARE(s.exported + s.sampledOut, uint64_t{2000});
        QVERIFY2(s.exported > 120 && s.exported < 280, qPrintable(QString::number(s.exported)));
        QTRY_COMPARE_WITH_TIMEOUT(receiver.stats().spans, s.exported, 10000);
    }
};

QTEST_GUILESS_MAIN(TestOtlp)
#include "test_otlp.moc"
