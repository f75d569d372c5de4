// meshx-proxy's OTLP sender without libcurl (core/proxy/otlp_socket_sender.cpp), linked the way
// meshx-proxy links it (ahead of meshx_telemetry_otlp, whose libcurl sender is then never
// pulled in): the real exporter delivering to the real OtlpReceiver, and the outcomes the
// exporter's retry logic depends on.

#include "meshx_test.h"

#include <dlfcn.h>

#include <string>
#include <thread>

#include "canned_reply_server.h"
#include "telemetry/in_process_bus.h"
#include "telemetry/otlp/otlp_config.h"
#include "telemetry/otlp/otlp_exporter.h"
#include "telemetry/otlp/otlp_http_sender.h"
#include "telemetry/otlp/otlp_receiver.h"

using namespace meshx;
using namespace meshx::telemetry;
using namespace meshx::telemetry::otlp;

namespace {

// The OTLP traces URL of a canned collector (a fake: OtlpReceiver does not show request headers,
// which these checks read).
std::string tracesUrl(const CannedReplyServer& collector) {
    return "http://127.0.0.1:" + std::to_string(collector.port()) + "/v1/traces";
}

Span oneSpan() {
    Span s;
    fromHex("4bf92f3577b34da6a3ce929d0e0e4736", s.traceId);
    fromHex("00f067aa0ba902b7", s.spanId);
    s.name = "flow";
    s.kind = SpanKind::Server;
    s.startTimeUnixNano = 1796553662123456000ULL;
    s.endTimeUnixNano = 1796553662123999000ULL;
    return s;
}

}  // namespace

class TestOtlpSocketSender : public QObject {
    Q_OBJECT

  private slots:
    void noLibcurlInThisProcess() {
        // The point of the sender: had the link pulled the libcurl sender, libcurl would be here.
        QVERIFY(::dlsym(RTLD_DEFAULT, "curl_easy_init") == nullptr);
    }

    void exporterDeliversToTheReceiver() {
        InProcessBus receiverBus;
        OtlpReceiver::Options ro;
        ro.bus = &receiverBus;
        OtlpReceiver receiver(ro);
        QVERIFY(receiver.start().ok());

        InProcessBus bus;
        OtlpExporter::Options o;
        auto config = OtlpConfig::fromEnvironment(
            [url = receiver.tracesUrl()](const char* name) {
                const std::string n = name;
                if (n == "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") {
                    return url;
                }
                if (n == "OTEL_BSP_SCHEDULE_DELAY") {
                    return std::string("20");
                }
                return std::string();
            },
            "socket-sender-test");
        QVERIFY(config.ok());
        o.config = *config;
        o.bus = &bus;
        o.subscribeBus = false;
        o.tick = std::chrono::milliseconds(10);
        OtlpExporter exporter(o);
        exporter.start();
        exporter.exportSpan(oneSpan());
        exporter.exportSpan(oneSpan());
        QVERIFY(exporter.flush(std::chrono::seconds(20)));
        QCOMPARE(exporter.stats().exported, uint64_t{2});
        QTRY_COMPARE_WITH_TIMEOUT(receiver.stats().spans, uint64_t{2}, 20000);
        exporter.stop();
    }

    void headersAndOutcomes() {
        {
            CannedReplyServer collector("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}");
            OtlpHttpSender sender(tracesUrl(collector), {{"Authorization", "Bearer tok-77"}},
                                  std::chrono::milliseconds(5000));
            const auto reply = sender.post("{\"resourceSpans\":[]}");
            QVERIFY(reply.outcome == OtlpHttpSender::Outcome::Accepted);
            QCOMPARE(reply.status, 200L);
            QVERIFY(collector.lastRequest().starts_with("POST /v1/traces HTTP/1.1\r\n"));
            QVERIFY(collector.lastRequest().find("\r\nAuthorization: Bearer tok-77\r\n") !=
                    std::string::npos);
            QVERIFY(collector.lastRequest().find("\r\nContent-Type: application/json\r\n") !=
                    std::string::npos);
        }
        {
            CannedReplyServer collector("HTTP/1.1 503 Busy\r\nContent-Length: 0\r\n\r\n");
            OtlpHttpSender sender(tracesUrl(collector), {}, std::chrono::milliseconds(5000));
            const auto reply = sender.post("{}");
            QVERIFY(reply.outcome == OtlpHttpSender::Outcome::Retryable);
            QCOMPARE(reply.status, 503L);
        }
        {
            CannedReplyServer collector("HTTP/1.1 400 Bad\r\nContent-Length: 0\r\n\r\n");
            OtlpHttpSender sender(tracesUrl(collector), {}, std::chrono::milliseconds(5000));
            QVERIFY(sender.post("{}").outcome == OtlpHttpSender::Outcome::Rejected);
        }
        std::string closedUrl;
        {
            CannedReplyServer gone("");
            closedUrl = tracesUrl(gone);
        }
        OtlpHttpSender sender(closedUrl, {{"Authorization", "Bearer never-shown"}},
                              std::chrono::milliseconds(3000));
        const auto reply = sender.post("{}");
        QVERIFY(reply.outcome == OtlpHttpSender::Outcome::Retryable);
        QCOMPARE(reply.status, 0L);
        QVERIFY(!reply.detail.empty());
        QVERIFY(reply.detail.find("never-shown") == std::string::npos);
    }
};

QTEST_GUILESS_MAIN(TestOtlpSocketSender)
#include "test_otlp_socket_sender.moc"
