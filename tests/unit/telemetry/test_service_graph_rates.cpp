// Service-graph edges at thousands of calls/s (issue 20.5): before, an edge kept its last 4,096
// calls, so above ~400 calls/s the rate read 4,096/s and the p99 came from the last second only.
// Now calls/s and the error rate are exact over the window (per-second counts) and the p99 comes
// from per-second histograms within LatencyHistogram::kRelativeError (1/32), with memory per
// edge bounded whatever the rate. Time is given explicitly (each call's timestamp and the
// snapshot's `now`): no clock, no sleeps.

#include <QtTest>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "telemetry/watch/edge_window.h"
#include "telemetry/watch/latency_histogram.h"
#include "telemetry/watch/service_graph.h"

using namespace meshx::telemetry;

namespace {

constexpr int64_t kT0 = 1'800'000'000'000'000;  // on a whole second
constexpr int64_t kRate = 5000;                 // calls/s on the edge
constexpr int64_t kStepUs = 1'000'000 / kRate;

// Call i: a request time spread over 100 .. 20,099 µs (a fixed permutation), an error 1 in 50.
int64_t requestUs(int64_t i) {
    return 100 + (i * 7919) % 20000;
}
bool failed(int64_t i) {
    return i % 50 == 0;
}

RpcRecord call(int64_t i, int64_t reqUs, bool ok) {
    RpcRecord r;
    r.source = "rpc.client";
    r.event = "call";
    r.service = "web-1";
    r.remoteSvc = "db-1";
    r.timeUs = kT0 + i * kStepUs;
    r.result = ok ? "ok" : "error: timeout";
    r.tRecv = reqUs;  // requestUs() = ser+dser+exec+send+recv
    return r;
}

// The nearest-rank p99 of calls [first, last).
int64_t trueP99(int64_t first, int64_t last) {
    std::vector<int64_t> v;
    for (int64_t i = first; i < last; ++i)
        v.push_back(requestUs(i));
    std::sort(v.begin(), v.end());
    const auto rank = static_cast<size_t>((v.size() * 99 + 99) / 100);
    return v[rank - 1];
}

// The snapshot's one edge (a copy), or an empty edge when there is not exactly one.
ServiceGraph::Edge onlyEdge(const ServiceGraph::Snapshot& s) {
    return s.edges.size() == 1 ? s.edges.front() : ServiceGraph::Edge{};
}

}  // namespace

class TestServiceGraphRates : public QObject {
    Q_OBJECT

  private slots:
    void histogramBucketsAreWithinTheirError() {
        // Every value falls in a bucket whose bounds hold it, and the bucket is narrow enough
        // for the stated error; exact below 16 µs.
        for (int64_t v : {int64_t{0}, int64_t{1}, int64_t{15}, int64_t{16}, int64_t{17},
                          int64_t{999}, int64_t{1000}, int64_t{65535}, int64_t{400000},
                          int64_t{1} << 30, (int64_t{1} << 36) - 1}) {
            const size_t i = LatencyHistogram::indexOf(v);
            QVERIFY(i < LatencyHistogram::kBuckets);
            QVERIFY2(LatencyHistogram::lowerBound(i) <= v && v <= LatencyHistogram::upperBound(i),
                     qPrintable(QString::number(v)));
            const double width =
                double(LatencyHistogram::upperBound(i) - LatencyHistogram::lowerBound(i));
            QVERIFY(width / 2 <= LatencyHistogram::kRelativeError * double(v) + 0.5);
        }
        QCOMPARE(LatencyHistogram::indexOf(int64_t{1} << 40), LatencyHistogram::kBuckets - 1);
        QCOMPARE(LatencyHistogram::indexOf(-5), size_t{0});
        LatencyHistogram h;
        for (int64_t v = 1; v <= 1000; ++v)
            h.add(v * 100);
        QCOMPARE(h.count(), uint64_t{1000});
        const int64_t p99 = h.percentile(99);  // true: 99,000
        QVERIFY2(double(std::abs(p99 - 99000)) <= 99000.0 * LatencyHistogram::kRelativeError,
                 qPrintable(QString::number(p99)));
        QCOMPARE(h.percentile(100), int64_t{100000});  // clamped to the largest time counted
        QVERIFY(h.percentile(0) >= 100 && h.percentile(0) <= 103);  // 100's bucket: 100 .. 103
    }

    void fiveThousandCallsPerSecondAreExact() {
        ServiceGraph graph;
        const int64_t n = 12 * kRate;  // 12 s of calls: kT0 .. kT0 + 12 s
        for (int64_t i = 0; i < n; ++i)
            graph.addCall(call(i, requestUs(i), !failed(i)));

        // At kT0 + 12 s the window is seconds 3 .. 12: the calls of [kT0 + 3 s, kT0 + 12 s).
        {
            const auto s = graph.snapshot(kT0 + 12'000'000);
            const auto e = onlyEdge(s);
            QCOMPARE(e.from, std::string("web-1"));
            QCOMPARE(e.calls, uint64_t(n));
            QCOMPARE(e.errors, uint64_t(n / 50));
            // Exact: 45,000 calls in 9 s (the old last-4,096 read 4,096/s).
            QVERIFY2(std::abs(e.callsPerSec - double(kRate)) < 0.01,
                     qPrintable(QString::number(e.callsPerSec, 'f', 3)));
            QVERIFY2(std::abs(e.errorRate - 0.02) < 1e-9,
                     qPrintable(QString::number(e.errorRate, 'f', 6)));
            const int64_t expected = trueP99(3 * kRate, n);
            QVERIFY2(double(std::abs(e.p99Us - expected)) <=
                         double(expected) * LatencyHistogram::kRelativeError,
                     qPrintable(QStringLiteral("p99 %1, true %2").arg(e.p99Us).arg(expected)));
        }
        // Mid-second, as the console sees it (the calls up to now): the window is
        // [kT0 + 2 s, kT0 + 11.5 s), 47,500 calls in 9.5 s.
        {
            ServiceGraph upToNow;
            for (int64_t i = 0; i < 11 * kRate + kRate / 2; ++i)
                upToNow.addCall(call(i, requestUs(i), !failed(i)));
            const auto e = onlyEdge(upToNow.snapshot(kT0 + 11'500'000));
            QVERIFY2(std::abs(e.callsPerSec - double(kRate)) < 0.01,
                     qPrintable(QString::number(e.callsPerSec, 'f', 3)));
        }
        // After the calls stop: at kT0 + 17 s the window [kT0 + 8 s, now) holds the 20,000 calls
        // of [kT0 + 8 s, kT0 + 12 s), over 9 s.
        {
            const auto e = onlyEdge(graph.snapshot(kT0 + 17'000'000));
            QVERIFY2(std::abs(e.callsPerSec - 20000.0 / 9.0) < 1e-6,
                     qPrintable(QString::number(e.callsPerSec, 'f', 3)));
            const int64_t expected = trueP99(8 * kRate, n);
            QVERIFY(double(std::abs(e.p99Us - expected)) <=
                    double(expected) * LatencyHistogram::kRelativeError);
        }
        // Past the window: no rate, the totals stay.
        const auto later = onlyEdge(graph.snapshot(kT0 + 30'000'000));
        QCOMPARE(later.callsPerSec, 0.0);
        QCOMPARE(later.p99Us, int64_t{0});
        QCOMPARE(later.calls, uint64_t(n));
    }

    void p99FindsATailOfOnePercentAndAHalf() {
        // 1.5% of the calls take 50 ms, the rest 1 ms: the p99 is 50 ms. With 0.5% slow, 1 ms.
        for (const int slowPerThousand : {15, 5}) {
            ServiceGraph graph;
            for (int64_t i = 0; i < 10 * kRate; ++i) {
                const bool slow = (i % 1000) < slowPerThousand;
                graph.addCall(call(i, slow ? 50'000 : 1'000, true));
            }
            const auto e = onlyEdge(graph.snapshot(kT0 + 10'000'000));
            const int64_t expected = slowPerThousand > 10 ? 50'000 : 1'000;
            QVERIFY2(
                double(std::abs(e.p99Us - expected)) <=
                    double(expected) * LatencyHistogram::kRelativeError,
                qPrintable(
                    QStringLiteral("%1 slow per 1000: p99 %2").arg(slowPerThousand).arg(e.p99Us)));
            QVERIFY(std::abs(e.callsPerSec - double(kRate)) < 0.01);
        }
    }

    void memoryPerEdgeIsBounded() {
        // 60 s at 5,000 calls/s: the windows hold the same bytes after 12 s and after 60 s.
        ServiceGraph graph;
        size_t at12 = 0;
        for (int64_t i = 0; i < 60 * kRate; ++i) {
            graph.addCall(call(i, requestUs(i), true));
            if (i == 12 * kRate)
                at12 = graph.windowBytes();
        }
        const size_t at60 = graph.windowBytes();
        QCOMPARE(at60, at12);
        QVERIFY2(at60 <= 36 * 1024, qPrintable(QString::number(at60)));
        // A slow edge costs about a kilobyte.
        ServiceGraph slow;
        for (int64_t i = 0; i < 30; ++i)
            slow.addCall(call(i * kRate, 1000, true));  // one call a second
        QVERIFY2(slow.windowBytes() <= 2 * 1024, qPrintable(QString::number(slow.windowBytes())));
    }

    void lateCallsCountWhileInTheRing() {
        EdgeWindow w;
        for (int64_t s = 0; s < 10; ++s)
            w.add(kT0 + s * 1'000'000, 1000, true);
        // A call two seconds late still counts; one older than the ring does not.
        w.add(kT0 + 7'500'000, 2000, false);
        w.add(kT0 - 5'000'000, 3000, false);
        const auto st = w.stats(kT0 + 9'500'000);
        QCOMPARE(st.calls, uint64_t{11});
        QCOMPARE(st.errors, uint64_t{1});
        QCOMPARE(st.p99Us, int64_t{2000});  // few calls: the exact times
    }
};

QTEST_MAIN(TestServiceGraphRates)
#include "test_service_graph_rates.moc"
