// Meshx's OTLP receiver and exporter against a real OpenTelemetry client: the OpenTelemetry
// JavaScript SDK (BasicTracerProvider + OTLPTraceExporter, installed from npm by the
// otlp_sdk_npm_install fixture) sends spans to the receiver the console runs, and real
// `meshx rpc-serve` / `meshx rpc-call` processes export to a receiver of the test. Both round
// trips are checked span by span (names, ids, parent links, attributes), and the JSON the Meshx
// exporter posts is compared with the JSON the SDK posts for a span of the same kind.
#include "meshx_test.h"

#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <map>
#include <mutex>
#include <set>

#include <nlohmann/json.hpp>

#include "integration/rpc/rpc_serve_process.h"
#include "telemetry/filter/event_filter.h"
#include "telemetry/in_process_bus.h"
#include "telemetry/otlp/otlp_receiver.h"
#include "telemetry/rpc_record.h"
#include "telemetry/telemetry_bus.h"
#include "ui/shell/otlp_receiver_control.h"

using namespace meshx;
using namespace meshx::telemetry;
using nlohmann::json;

namespace {

const QString kSdkDir = QStringLiteral(MESHX_OTLP_SDK_DIR);

QString script() {
    return QStringLiteral(MESHX_SOURCE_DIR) + "/tests/integration/otlp/sdk/roundtrip.js";
}

// The OTLP JSON type of a value, with the two spellings OTLP allows for 64-bit integers
// (decimal string or number) folded into one.
std::string shape(const std::string& key, const json& v) {
    if (key == "intValue" && (v.is_string() || v.is_number_integer()))
        return "int64";
    if (v.is_object())
        return "object";
    if (v.is_array())
        return "array";
    if (v.is_string())
        return "string";
    if (v.is_boolean())
        return "bool";
    if (v.is_number_integer())
        return "integer";
    if (v.is_number())
        return "number";
    return "null";
}

// Every key of `sdk` is in `ours` with the same shape, recursively through objects and the first
// element of arrays. Returns what differs ("" when nothing).
std::string compareShape(const json& sdk, const json& ours, const std::string& path) {
    if (!sdk.is_object() || !ours.is_object())
        return {};
    for (auto it = sdk.begin(); it != sdk.end(); ++it) {
        const std::string at = path + "." + it.key();
        if (!ours.contains(it.key()))
            return at + " is missing";
        const json& o = ours[it.key()];
        if (shape(it.key(), *it) != shape(it.key(), o))
            return at + ": SDK " + shape(it.key(), *it) + ", Meshx " + shape(it.key(), o);
        if (it.key() == "value") {
            // An AnyValue: one of stringValue/intValue/doubleValue/boolValue/..., whichever the
            // attribute holds; the attributes differ between the two spans.
            if (o.size() != 1 || (!o.contains("stringValue") && !o.contains("intValue") &&
                                  !o.contains("doubleValue") && !o.contains("boolValue")))
                return at + ": not an AnyValue: " + o.dump();
        } else if (it->is_object()) {
            if (auto d = compareShape(*it, o, at); !d.empty())
                return d;
        } else if (it->is_array() && !it->empty() && !o.empty()) {
            if (auto d = compareShape((*it)[0], o[0], at + "[0]"); !d.empty())
                return d;
        }
    }
    return {};
}

bool isHex(const std::string& s, size_t n) {
    return s.size() == n && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

bool isDecimal(const json& v) {
    return v.is_string() && !v.get<std::string>().empty() &&
           v.get<std::string>().find_first_not_of("0123456789") == std::string::npos;
}

std::vector<Event> collect(Subscription& sub, std::vector<Event>& into) {
    std::vector<Event> fresh;
    sub.drain(fresh);
    for (Event& e : fresh) {
        if (e.source == "otlp")
            into.push_back(std::move(e));
    }
    return into;
}

}  // namespace

class TestOtlpSdk : public QObject {
    Q_OBJECT

  private slots:
    void initTestCase() {
        QFile unreachable(kSdkDir + "/UNREACHABLE");
        if (unreachable.open(QIODevice::ReadOnly)) {
            const QString why = QString::fromUtf8(unreachable.readAll()).trimmed();
            QSKIP(qPrintable("OTLP SDK test skipped: " + why));
        }
        QVERIFY2(
            QFile::exists(kSdkDir + "/node_modules/@opentelemetry/sdk-trace-base/package.json"),
            "the OpenTelemetry SDK is not installed: run the otlp_sdk_npm_install test "
            "(ctest runs it first as this test's fixture)");
        QVERIFY(dir_.isValid());
    }

    // The SDK posts to the console's receiver (OtlpReceiverControl, as `--otlp-listen` and the
    // Settings toggle run it); the spans reach the process bus the telemetry page drains.
    void sdkSpansReachTheConsoleStream() {
        auto sub = TelemetryBus::global().subscribe(10000);
        ui::OtlpReceiverControl control;
        QVERIFY2(control.apply(true, QStringLiteral("127.0.0.1:0")), qPrintable(control.status()));
        QVERIFY(control.status().contains("/v1/traces"));

        const QString out = dir_.filePath("sdk.json");
        QProcess node;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("NODE_PATH", kSdkDir + "/node_modules");
        node.setProcessEnvironment(env);
        node.start("node", {script(), control.tracesUrl(), out});
        QVERIFY(node.waitForStarted(30000));
        QVERIFY(node.waitForFinished(120000));
        QVERIFY2(node.exitCode() == 0, node.readAllStandardError().constData());

        QFile f(out);
        QVERIFY(f.open(QIODevice::ReadOnly));
        sdk_ = json::parse(f.readAll().toStdString());
        const json& expected = sdk_["spans"];
        QCOMPARE(expected.size(), size_t{2});

        std::vector<Event> got;
        QTRY_VERIFY_WITH_TIMEOUT(collect(*sub, got).size() >= 2, 30000);
        QCOMPARE(got.size(), size_t{2});
        std::map<std::string, const Event*> bySpan;
        for (const Event& e : got)
            bySpan[e.meta["span_id"].get<std::string>()] = &e;
        for (const json& x : expected) {
            const auto it = bySpan.find(x["spanId"].get<std::string>());
            QVERIFY2(it != bySpan.end(), x.dump().c_str());
            const Event& e = *it->second;
            QCOMPARE(e.meta["fun_name"], x["name"]);
            QCOMPARE(e.meta["fun_req"], x["kind"]);
            QCOMPARE(e.meta["trace_id"], x["traceId"]);
            QCOMPARE(e.meta["parent_span_id"], x["parentSpanId"]);
            QCOMPARE(e.meta["service_name"], json("node-shop"));
            // Attributes keep their types: strings, integers, doubles, booleans.
            QCOMPARE(e.meta["attributes"], x["attributes"]);
        }
        // As the telemetry page sees them: streamed, plotted, tagged, filterable by service.
        auto filter = EventFilter::parse(R"(source == "otlp" and local.svc_ref == "node-shop")");
        QVERIFY(filter.ok());
        int matched = 0;
        for (const Event& e : got) {
            QVERIFY(RpcRecord::isStreamed(e));
            const RpcRecord r = RpcRecord::fromEvent(e);
            QVERIFY(r.isPlotted());
            matched += filter->matches(r) ? 1 : 0;
        }
        QCOMPARE(matched, 2);
        const RpcRecord child =
            RpcRecord::fromEvent(*bySpan[expected[0]["spanId"].get<std::string>()]);
        QCOMPARE(child.result, std::string("error: deadlock detected"));
        control.apply(false, {});
        QVERIFY(!control.running());
    }

    // Real Meshx processes export to a receiver of the test; the client's and the server's spans
    // of each call share a trace, and the server's parent is the client's span.
    void meshxProcessesExportLinkedSpans() {
        InProcessBus bus;
        auto sub = bus.subscribe(10000);
        std::mutex mutex;
        std::vector<std::string> bodies;
        otlp::OtlpReceiver::Options options;
        options.bus = &bus;
        options.onBody = [&](const std::string& body) {
            std::lock_guard lock(mutex);
            bodies.push_back(body);
        };
        otlp::OtlpReceiver receiver(options);
        QVERIFY(receiver.start().ok());

        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("OTEL_EXPORTER_OTLP_ENDPOINT",
                   QString::fromStdString("http://" + receiver.address()->hostPort()));
        env.insert("OTEL_EXPORTER_OTLP_HEADERS", "Authorization=Bearer%20sdk-test-secret");
        env.insert("OTEL_BSP_SCHEDULE_DELAY", "100");
        env.insert("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=test");
        env.insert("MESHX_TAP_LISTEN", "off");
        RpcServeProcess server;
        QVERIFY2(server.start({"--address", "tcp://127.0.0.1:0", "--id", "otlp-1"}, env,
                              dir_.filePath("serve.err")),
                 qPrintable(server.errors()));
        QProcess call;
        call.setProcessEnvironment(env);
        call.start(meshxBinary("meshx"),
                   {"rpc-call", "--address", QString::fromStdString(server.address()), "--fn",
                    "echo", "--arg", "\"hi\"", "--count", "3"});
        QVERIFY(call.waitForFinished(60000));
        QCOMPARE(call.exitCode(), 0);
        const QString callErr = QString::fromUtf8(call.readAllStandardError());
        QVERIFY2(callErr.contains("exporting traces"), qPrintable(callErr));
        QVERIFY(!callErr.contains("sdk-test-secret"));  // header names only
        server.terminate();

        std::vector<Event> got;
        QTRY_VERIFY_WITH_TIMEOUT(collect(*sub, got).size() >= 6, 60000);
        std::map<std::string, const Event*> clients;  // by span id
        std::vector<const Event*> servers;
        for (const Event& e : got) {
            QCOMPARE(e.meta["attributes"]["rpc.system"], json("meshx_rpc"));
            QCOMPARE(e.meta["attributes"]["rpc.method"], json("echo"));
            if (e.meta["fun_req"] == "client") {
                QCOMPARE(e.meta["service_name"], json("meshx-rpc-call"));
                QCOMPARE(e.meta["parent_span_id"], json(""));
                clients[e.meta["span_id"].get<std::string>()] = &e;
            } else {
                QCOMPARE(e.meta["fun_req"], json("server"));
                QCOMPARE(e.meta["service_name"], json("meshx-rpc-serve"));
                servers.push_back(&e);
            }
        }
        QCOMPARE(clients.size(), size_t{3});
        QCOMPARE(servers.size(), size_t{3});
        for (const Event* s : servers) {
            auto parent = clients.find(s->meta["parent_span_id"].get<std::string>());
            QVERIFY2(parent != clients.end(), s->meta.dump().c_str());
            QCOMPARE(s->meta["trace_id"], parent->second->meta["trace_id"]);
            QVERIFY(s->meta["attributes"]["meshx.rpc.exec_us"].is_number_integer());
        }

        // The exporter's JSON against the SDK's, key by key and type by type: the resource, the
        // scope, a root client span against the SDK's root span, a server span with a parent
        // against the SDK's child span.
        QVERIFY2(!sdk_.is_null(), "needs sdkSpansReachTheConsoleStream first");
        std::lock_guard lock(mutex);
        json ourRoot, ourChild, ourBody;
        for (const std::string& b : bodies) {
            json body = json::parse(b);
            for (const json& span : body["resourceSpans"][0]["scopeSpans"][0]["spans"]) {
                (span.contains("parentSpanId") ? ourChild : ourRoot) = span;
                ourBody = body;
            }
        }
        QVERIFY(!ourRoot.is_null() && !ourChild.is_null());
        json sdkRoot, sdkChild, sdkBody;
        for (const json& posted : sdk_["sdk_bodies"]) {
            QCOMPARE(posted["path"], json("/v1/traces"));
            QCOMPARE(posted["contentType"], json("application/json"));
            sdkBody = posted["body"];
            for (const json& span : sdkBody["resourceSpans"][0]["scopeSpans"][0]["spans"])
                (span.contains("parentSpanId") ? sdkChild : sdkRoot) = span;
        }
        QVERIFY(!sdkRoot.is_null() && !sdkChild.is_null());
        json sdkEnvelope = sdkBody, ourEnvelope = ourBody;
        sdkEnvelope["resourceSpans"][0]["scopeSpans"][0].erase("spans");
        ourEnvelope["resourceSpans"][0]["scopeSpans"][0].erase("spans");
        std::string d = compareShape(sdkEnvelope, ourEnvelope, "request");
        QVERIFY2(d.empty(), d.c_str());
        d = compareShape(sdkRoot, ourRoot, "root span");
        QVERIFY2(d.empty(), d.c_str());
        // The SDK's child failed (status with a message), the Meshx calls succeeded (status
        // code only, as the SDK's root span shows): the message is compared by type alone.
        QVERIFY(sdkChild["status"]["message"].is_string());
        sdkChild["status"].erase("message");
        d = compareShape(sdkChild, ourChild, "child span");
        QVERIFY2(d.empty(), d.c_str());
        // The encodings OTLP JSON requires, on both sides.
        for (const json* s : {&sdkChild, &ourChild}) {
            QVERIFY(isHex((*s)["traceId"].get<std::string>(), 32));
            QVERIFY(isHex((*s)["spanId"].get<std::string>(), 16));
            QVERIFY(isHex((*s)["parentSpanId"].get<std::string>(), 16));
            QVERIFY(isDecimal((*s)["startTimeUnixNano"]));
            QVERIFY(isDecimal((*s)["endTimeUnixNano"]));
            QVERIFY((*s)["kind"].is_number_integer());
        }
    }

  private:
    QTemporaryDir dir_;
    json sdk_;
};

QTEST_GUILESS_MAIN(TestOtlpSdk)
#include "test_otlp_sdk.moc"
