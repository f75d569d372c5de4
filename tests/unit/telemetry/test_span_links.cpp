// Received OpenTelemetry spans as service-graph edges (issue 18.2): a child span whose parent
// belongs to another service is one call parent-service -> child-service, whatever order the
// two arrive in; calls/s, error rate and p99 come from the children; the pairing's memory stays
// bounded and children whose parent never comes are given up and counted.

#include <QtTest>

#include <string>

#include "telemetry/otlp/otlp_json.h"
#include "telemetry/otlp/span_event.h"
#include "telemetry/watch/service_graph.h"
#include "telemetry/watch/span_links.h"

using namespace meshx::telemetry;

namespace {

constexpr int64_t kNowUs = 1'800'000'000'000'000;

// A span event as the receiver publishes it (span_event.h's meta and metrics), built from an
// OTLP span through the receiver's own conversion.
Event spanEventOf(const std::string& service, const std::string& trace, const std::string& span,
                  const std::string& parent, int64_t endUs, int64_t durationUs,
                  bool error = false) {
    otlp::ResourceSpans batch;
    batch.resource.push_back({"service.name", otlp::AttrValue{service}});
    otlp::Span s;
    otlp::fromHex(trace, s.traceId);
    otlp::fromHex(span, s.spanId);
    if (!parent.empty())
        otlp::fromHex(parent, s.parentSpanId);
    s.name = service + " op";
    s.endTimeUnixNano = static_cast<uint64_t>(endUs) * 1000;
    s.startTimeUnixNano = s.endTimeUnixNano - static_cast<uint64_t>(durationUs) * 1000;
    s.status = error ? otlp::StatusCode::Error : otlp::StatusCode::Ok;
    return otlp::spanEvent(batch, s);
}

std::string hexId(uint64_t n, size_t width) {
    std::string out(width, '0');
    for (size_t i = 0; i < width && n > 0; ++i, n >>= 4)
        out[width - 1 - i] = "0123456789abcdef"[n & 15];
    return out;
}

const ServiceGraph::Edge* findEdge(const ServiceGraph::Snapshot& s, const std::string& from,
                                   const std::string& to) {
    for (const auto& e : s.edges)
        if (e.from == from && e.to == to)
            return &e;
    return nullptr;
}

}  // namespace

class TestSpanLinks : public QObject {
    Q_OBJECT

  private slots:
    void childBeforeAndAfterParentMakeOneEdge() {
        ServiceGraph graph;
        const std::string trace = hexId(0xabc, 32);
        // Child first (the usual order: it ends first), then its parent.
        graph.addSpan(
            spanEventOf("payments", trace, hexId(2, 16), hexId(1, 16), kNowUs - 2000, 30000));
        QCOMPARE(graph.spanStats().waiting, size_t{1});
        QVERIFY(graph.snapshot(kNowUs).edges.empty());
        graph.addSpan(spanEventOf("checkout", trace, hexId(1, 16), {}, kNowUs - 1000, 50000));
        // Parent known: a later child links at once; its status ERROR counts as an error.
        graph.addSpan(
            spanEventOf("payments", trace, hexId(3, 16), hexId(1, 16), kNowUs - 500, 400000, true));
        // A child in its parent's service is no edge; a span seen twice counts once.
        graph.addSpan(spanEventOf("checkout", trace, hexId(4, 16), hexId(1, 16), kNowUs - 400, 10));
        graph.addSpan(
            spanEventOf("payments", trace, hexId(3, 16), hexId(1, 16), kNowUs - 500, 400000, true));

        const auto s = graph.snapshot(kNowUs);
        QCOMPARE(s.edges.size(), size_t{1});
        const auto* e = findEdge(s, "checkout", "payments");
        QVERIFY(e != nullptr);
        QCOMPARE(e->calls, uint64_t{2});
        QCOMPARE(e->spans, uint64_t{2});
        QCOMPARE(e->errors, uint64_t{1});
        QCOMPARE(e->errorRate, 0.5);
        QCOMPARE(e->p99Us, int64_t{400000});
        QVERIFY(e->callsPerSec > 0);
        QCOMPARE(e->filter, std::string(R"(source == otlp and local.svc_ref == "payments")"));
        QCOMPARE(s.nodes, (std::vector<std::string>{"checkout", "payments"}));
        const auto stats = graph.spanStats();
        QCOMPARE(stats.linked, uint64_t{2});
        QCOMPARE(stats.late, uint64_t{1});
        QCOMPARE(stats.waiting, size_t{0});
    }

    void ratesAndP99OverTheWindow() {
        ServiceGraph graph;
        const std::string trace = hexId(7, 32);
        graph.addSpan(spanEventOf("web", trace, hexId(1, 16), {}, kNowUs, 1));
        for (uint64_t i = 0; i < 100; ++i)
            graph.addSpan(spanEventOf("db", trace, hexId(100 + i, 16), hexId(1, 16),
                                      kNowUs - 5'000'000 + int64_t(i) * 1000, int64_t(i + 1) * 1000,
                                      i % 10 == 0));
        const auto now = graph.snapshot(kNowUs);  // the edge points into it
        const auto* e = findEdge(now, "web", "db");
        QVERIFY(e);
        QCOMPARE(e->calls, uint64_t{100});
        QCOMPARE(e->errorRate, 0.1);
        QCOMPARE(e->p99Us, int64_t{99000});
        // 100 calls within the last 5 s: 20/s (rate over the time since the first one).
        QVERIFY2(e->callsPerSec > 19 && e->callsPerSec < 21,
                 qPrintable(QString::number(e->callsPerSec)));
        // Past the 10 s window the rates fall to 0, the totals stay.
        const auto past = graph.snapshot(kNowUs + 20'000'000);
        const auto* later = findEdge(past, "web", "db");
        QVERIFY(later);
        QCOMPARE(later->callsPerSec, 0.0);
        QCOMPARE(later->calls, uint64_t{100});
    }

    void orphansAreBoundedAndCounted() {
        SpanLinks links;
        const std::string trace = hexId(9, 32);
        // More children than may wait, none of whose parents ever comes.
        const size_t n = SpanLinks::kMaxWaiting + 500;
        for (size_t i = 0; i < n; ++i) {
            SpanLinks::Span s{
                trace, hexId(1'000'000 + i, 16), hexId(5'000'000 + i, 16), "svc", kNowUs, 10,
                false};
            QVERIFY(links.add(s).empty());
        }
        QCOMPARE(links.stats().waiting, SpanLinks::kMaxWaiting);
        QCOMPARE(links.stats().expired, uint64_t{500});
        // A child far older than the newest span seen is given up too.
        SpanLinks::Span late{
            trace, hexId(1, 16), hexId(2, 16), "svc", kNowUs + 2 * SpanLinks::kMaxWaitUs,
            10,    false};
        links.add(late);
        QCOMPARE(links.stats().waiting, size_t{1});  // only the newest waits
        // The index of known spans is bounded as well.
        for (size_t i = 0; i < SpanLinks::kMaxKnown + 100; ++i)
            links.add({trace, hexId(9'000'000 + i, 16), {}, "root", kNowUs, 1, false});
        QCOMPARE(links.stats().known, SpanLinks::kMaxKnown);
        // A parent that was forgotten no longer links; a recent one still does.
        QVERIFY(
            links.add({trace, hexId(0x5555, 16), hexId(9'000'000, 16), "leaf", kNowUs, 1, false})
                .empty());
        const auto recent =
            links.add({trace, hexId(77, 16), hexId(9'000'000 + SpanLinks::kMaxKnown + 99, 16),
                       "leaf", kNowUs, 1, false});
        QCOMPARE(recent.size(), size_t{1});
        QCOMPARE(recent[0].from, std::string("root"));
        QCOMPARE(recent[0].to, std::string("leaf"));
    }

    void otherEventsAreNotSpans() {
        Event rpc;
        rpc.source = "rpc.client";
        rpc.name = "call";
        QVERIFY(!SpanLinks::fromEvent(rpc));
        ServiceGraph graph;
        graph.addSpan(rpc);
        QVERIFY(graph.snapshot(kNowUs).nodes.empty());
    }
};

QTEST_MAIN(TestSpanLinks)
#include "test_span_links.moc"
