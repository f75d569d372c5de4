// Telemetry flood into the console's telemetry page (issue 20.5): a producer thread publishes typed
// RPC events as core/rpc does (four provider instances, client and server sides, 1 error in 97) at
// a fixed rate; the GUI thread runs the real page (table, plots visible with one line per
// instance) and a 10 ms probe timer whose lateness is the event loop's stall.
//
// Two phases in one run, each with a fresh page: the baseline (20,000 events/s) and the flood
// (200,000 events/s), each bounded in time. Per phase it prints events published, received,
// dropped by the queues and *counted* (Prometheus aggregate requests, plot buckets' requests,
// rows matched), asserting published == received == counted; rows shown and sampled out; the
// longest and p99 event-loop stall; VmRSS at start, peak and end. Then the flood's ratios to the
// baseline. Exits 1 when a count is not exact or the flood's longest stall reaches --max-stall.
// With --baseline-seconds 0 the flood runs first, in a cold process (the harder case: the heap
// and the containers grow for the first time while flooded). The longest stalls are listed with
// when they happened and how full the history was.
//
//   QT_QPA_PLATFORM=offscreen bench_console_flood [--rate 200000] [--seconds 30]
//       [--baseline-rate 20000] [--baseline-seconds 10] [--max-stall 50] [--filter TEXT]
//       [--screenshot FILE] [--warm-first-row]

#include <QApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QLabel>
#include <QTabWidget>
#include <QTimer>

#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "telemetry/in_process_bus.h"
#include "ui/telemetry/telemetry_page.h"
#include "ui/telemetry/telemetry_plots.h"
#include "ui/telemetry/telemetry_stream_model.h"

using meshx::telemetry::Event;
using meshx::telemetry::InProcessBus;
using meshx::telemetry::RpcEndpoint;
using meshx::telemetry::RpcEventData;

namespace {

long statusKb(const char* field) {
    QFile f(QStringLiteral("/proc/self/status"));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray& line : f.readAll().split('\n')) {
        if (line.startsWith(field))
            return line.mid(static_cast<int>(std::strlen(field))).trimmed().split(' ')[0].toLong();
    }
    return -1;
}

std::string loadAverage() {
    QFile f(QStringLiteral("/proc/loadavg"));
    if (!f.open(QIODevice::ReadOnly))
        return "?";
    const QList<QByteArray> parts = f.readAll().split(' ');
    return parts.size() >= 3 ? (parts[0] + " " + parts[1] + " " + parts[2]).toStdString() : "?";
}

// The endpoints of a client pool and four providers, built once as core/rpc does.
struct Endpoints {
    std::shared_ptr<const RpcEndpoint> client;
    std::shared_ptr<const RpcEndpoint> providers[4];
    std::string conns[4] = {std::string("\x01", 1), std::string("\x02", 1), std::string("\x03", 1),
                            std::string("\x04", 1)};
    Endpoints() {
        client = std::make_shared<const RpcEndpoint>(RpcEndpoint{
            "tcp://127.0.0.1:41001", {"meshx_rpc", "console"}, "Zm9v", "nonode@nohost", "console"});
        static const char* kNames[] = {"provider-1", "provider-2", "provider-3", "provider-4"};
        for (size_t i = 0; i < 4; ++i) {
            providers[i] = std::make_shared<const RpcEndpoint>(
                RpcEndpoint{"tcp://127.0.0.1:41001",
                            {"meshx_rpc", kNames[i]},
                            meshx::telemetry::base64Unpadded(conns[i]),
                            "nonode@nohost",
                            kNames[i]});
        }
    }
};

Event makeEvent(const Endpoints& ep, uint64_t n) {
    const bool client = (n & 1) == 0;
    const size_t inst = (n / 2) % 4;
    Event e{Event::TypedTag{}};
    e.source = client ? "rpc.client" : "rpc.server";
    e.name = (n % 50 == 49) ? "cast" : "call";
    RpcEventData& d = e.payload.emplace<RpcEventData>();
    d.local = client ? ep.client : ep.providers[inst];
    d.state = client ? "recv" : "send";
    d.funName = (n / 2) % 3 == 0 ? "sleep" : "echo";
    d.result = n % 97 == 0 ? "error: timeout" : "ok";
    d.hskRef = 1 + inst;
    d.reqRef = n / 2 + 1;
    d.hasRemote = true;
    d.remoteConnRaw = client ? ep.conns[inst] : std::string("foo");
    d.remoteNodeRef = "nonode@nohost";
    d.remoteSvcRef = client ? ep.providers[inst]->svcRef : std::string("console");
    const auto exec = static_cast<int64_t>(200 + (n * 7919) % 3000);
    d.metrics.blocksSend = 1;
    d.metrics.blocksRecv = 1;
    d.metrics.sizeSend = 120 + n % 64;
    d.metrics.sizeRecv = 90 + n % 32;
    d.metrics.serNs = 3000;
    d.metrics.dserNs = 4000;
    d.metrics.exec = client ? 0 : exec;
    d.metrics.recv = client ? exec + 150 : 20;
    d.metrics.send = 12;
    return e;
}

constexpr double kLongStallMs = 15;

struct LongStall {
    double atS;    // since the phase started
    double ms;     // late
    double cpuMs;  // of which the GUI thread ran
    size_t history;
};

double threadCpuMs() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) * 1e3 + double(ts.tv_nsec) / 1e6;
}

struct PhaseResult {
    int rate = 0, seconds = 0;
    uint64_t published = 0, received = 0, dropped = 0;
    uint64_t aggregateRequests = 0, plotRequests = 0, matched = 0;
    uint64_t rowsShown = 0, rowsNotShown = 0;
    bool noticeShown = false;
    size_t probes = 0;
    double maxStall = 0, p99Stall = 0;
    long rssStart = 0, rssPeak = 0, rssEnd = 0;
    std::string loadBefore, loadAfter;
    bool exact = false;
    std::vector<LongStall> longStalls;  // >= kLongStallMs
    double firstPaintMs = 0, firstRowMs = -1;
    double maxBusy = 0, p99Busy = 0;  // the GUI thread's CPU between two probe ticks
};

PhaseResult runPhase(int rate, int seconds, const QString& filter, const QString& screenshot,
                     bool warmFirstRow) {
    PhaseResult res;
    res.rate = rate;
    res.seconds = seconds;
    res.loadBefore = loadAverage();
    InProcessBus bus;
    auto page = std::make_unique<meshx::ui::TelemetryPage>(bus);
    page->resize(1400, 900);
    page->show();
    page->bottomTabs()->setCurrentWidget(page->plots());
    page->plots()->setInstance(QStringLiteral("each"));
    page->plots()->setWindowSeconds(60);
    if (!filter.isEmpty() && !page->applyFilter(filter)) {
        std::fprintf(stderr, "bad filter\n");
        std::exit(2);
    }
    QApplication::processEvents();
    // The page's first paint (font database, glyph caches, the plot's paint buffers: 0.2-0.3 s
    // in a fresh process here) is opening the console, not the flood: done and timed before the
    // probe starts, so a cold run measures what the flood costs.
    QElapsedTimer firstPaint;
    firstPaint.start();
    page->repaint();
    QApplication::processEvents();
    res.firstPaintMs = double(firstPaint.nsecsElapsed()) / 1e6;
    // Likewise the first row ever shown (the table's cell painting, the plot's first line): with
    // --warm-first-row one event is shown and painted before the probe starts; the heap, the
    // history and the queues are still cold (one row).
    if (warmFirstRow) {
        QElapsedTimer firstRow;
        firstRow.start();
        bus.publish(makeEvent(Endpoints{}, 0));
        page->flush();
        page->syncPlots();
        page->plots()->refresh();
        page->repaint();
        QApplication::processEvents();
        res.firstRowMs = double(firstRow.nsecsElapsed()) / 1e6;
    }
    res.rssStart = statusKb("VmRSS:");

    const Endpoints endpoints;
    std::atomic<bool> stop{false};
    std::atomic<uint64_t> published{0};
    std::thread producer([&] {
        using Clock = std::chrono::steady_clock;
        const auto start = Clock::now();
        const auto end = start + std::chrono::seconds(seconds);
        const auto total = static_cast<uint64_t>(rate) * static_cast<uint64_t>(seconds);
        uint64_t n = 0;
        while (!stop.load() && Clock::now() < end && n < total) {
            const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
            const auto owed = std::min(total, static_cast<uint64_t>(elapsed * rate));
            while (n < owed && !stop.load()) {
                bus.publish(makeEvent(endpoints, n));
                if (++n % 1000 == 0)
                    published.store(n);
            }
            published.store(n);
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        published.store(n);
    });

    // The probe: a 10 ms timer; how late each tick fires is how long the loop was busy.
    std::vector<double> stalls;
    stalls.reserve(static_cast<size_t>(seconds) * 110);
    QElapsedTimer clock;
    clock.start();
    qint64 last = clock.nsecsElapsed();
    QTimer probe;
    probe.setTimerType(Qt::PreciseTimer);
    probe.setInterval(10);
    // The GUI thread's own CPU time between two ticks: on a loaded machine a stall is partly
    // waiting for a core; this part is the page's work, which the load does not change.
    std::vector<double> busy;
    busy.reserve(stalls.capacity());
    double lastCpu = threadCpuMs();
    QObject::connect(&probe, &QTimer::timeout, [&] {
        const qint64 now = clock.nsecsElapsed();
        const double cpu = threadCpuMs();
        const double stall = std::max(0.0, double(now - last) / 1e6 - 10.0);
        stalls.push_back(stall);
        busy.push_back(cpu - lastCpu);
        // When the long ones happened, and how full the history was then (cold growth or trims).
        if (stall >= kLongStallMs && res.longStalls.size() < 1000)
            res.longStalls.push_back(
                {double(now) / 1e9, stall, cpu - lastCpu, page->model()->historySize()});
        last = now;
        lastCpu = cpu;
    });
    probe.start();

    int second = 0;
    QEventLoop loop;
    QTimer report;
    report.setInterval(1000);
    QObject::connect(&report, &QTimer::timeout, [&] {
        ++second;
        const long rss = statusKb("VmRSS:");
        res.rssPeak = std::max(res.rssPeak, rss);
        std::printf(
            "  t=%2ds published=%llu received=%llu rows=%d history=%zu not-shown=%llu "
            "dropped=%llu rss=%ld KiB%s\n",
            second, static_cast<unsigned long long>(published.load()),
            static_cast<unsigned long long>(page->received()), page->model()->rowCount(),
            page->model()->historySize(), static_cast<unsigned long long>(page->rowsNotShown()),
            static_cast<unsigned long long>(page->dropped()), rss,
            page->sampling() ? " [sampling notice shown]" : "");
        std::fflush(stdout);
        if (page->sampling())
            res.noticeShown = true;
        if (second >= seconds + 1)
            loop.quit();
    });
    report.start();
    loop.exec();
    probe.stop();
    report.stop();
    stop.store(true);
    producer.join();
    // Count what is still queued, so the totals can be compared exactly.
    page->flush();
    page->syncPlots();
    res.noticeShown = res.noticeShown || page->sampling();
    if (!screenshot.isEmpty()) {
        page->plots()->refresh();
        page->grab().save(screenshot, "PNG");
    }

    std::vector<double> sortedBusy = busy;
    std::sort(sortedBusy.begin(), sortedBusy.end());
    res.maxBusy = sortedBusy.empty() ? 0 : sortedBusy.back();
    res.p99Busy = sortedBusy.empty() ? 0 : sortedBusy[sortedBusy.size() * 99 / 100];
    std::vector<double> sorted = stalls;
    std::sort(sorted.begin(), sorted.end());
    res.probes = sorted.size();
    res.maxStall = sorted.empty() ? 0 : sorted.back();
    res.p99Stall = sorted.empty() ? 0 : sorted[sorted.size() * 99 / 100];
    res.published = published.load() + (warmFirstRow ? 1 : 0);
    res.received = page->received();
    res.dropped = page->dropped();
    res.aggregateRequests = page->aggregate().requests();
    res.plotRequests = page->plots()->series().requests();
    res.matched = page->matchedSinceFilter();
    res.rowsShown = static_cast<uint64_t>(page->model()->trimmed() + page->model()->historySize());
    res.rowsNotShown = page->rowsNotShown();
    res.rssEnd = statusKb("VmRSS:");
    res.rssPeak = std::max(res.rssPeak, res.rssEnd);
    res.loadAfter = loadAverage();
    // Every event published is one call or cast: each is received, counted by the aggregate,
    // matched by the empty filter and counted in the plot buckets.
    res.exact =
        res.dropped == 0 && res.received == res.published &&
        res.aggregateRequests == res.published &&
        (!filter.isEmpty() || (res.plotRequests == res.published && res.matched == res.published));
    return res;
}

void print(const char* name, const PhaseResult& r) {
    std::printf("\n%s: %d events/s for %d s (load average %s before, %s after)\n", name, r.rate,
                r.seconds, r.loadBefore.c_str(), r.loadAfter.c_str());
    std::printf("  delivered: published %llu, received %llu, dropped by the queues %llu\n",
                static_cast<unsigned long long>(r.published),
                static_cast<unsigned long long>(r.received),
                static_cast<unsigned long long>(r.dropped));
    std::printf("  counted:   aggregate requests %llu, plot requests %llu, matched %llu -> %s\n",
                static_cast<unsigned long long>(r.aggregateRequests),
                static_cast<unsigned long long>(r.plotRequests),
                static_cast<unsigned long long>(r.matched),
                r.exact ? "EXACT (delivered == counted)" : "NOT EXACT");
    std::printf("  rows:      %llu handed to the view, %llu sampled out, notice %s\n",
                static_cast<unsigned long long>(r.rowsShown),
                static_cast<unsigned long long>(r.rowsNotShown),
                r.noticeShown ? "shown" : "not shown");
    std::printf(
        "  event loop: %zu probe ticks, longest stall %.1f ms, p99 stall %.1f ms "
        "(the page's first paint before the flood: %.1f ms)\n",
        r.probes, r.maxStall, r.p99Stall, r.firstPaintMs);
    if (r.firstRowMs >= 0)
        std::printf(
            "  (--warm-first-row: the first row shown and painted before the flood: %.1f ms)\n",
            r.firstRowMs);
    std::printf(
        "  GUI thread's own work between two probe ticks (CPU time, load-independent): "
        "longest %.1f ms, p99 %.1f ms\n",
        r.maxBusy, r.p99Busy);
    std::printf("  memory:    VmRSS start %ld KiB, peak %ld KiB, end %ld KiB\n", r.rssStart,
                r.rssPeak, r.rssEnd);
    std::vector<LongStall> longest = r.longStalls;
    std::sort(longest.begin(), longest.end(),
              [](const LongStall& a, const LongStall& b) { return a.ms > b.ms; });
    std::printf("  stalls >= %.0f ms: %zu;", kLongStallMs, r.longStalls.size());
    for (size_t i = 0; i < std::min<size_t>(longest.size(), 6); ++i)
        std::printf(" %.1f ms (%.1f ms CPU) at t=%.2fs (history %zu)%s", longest[i].ms,
                    longest[i].cpuMs, longest[i].atS, longest[i].history,
                    i + 1 < std::min<size_t>(longest.size(), 6) ? "," : "");
    std::printf("\n");
}

}  // namespace

int main(int argc, char** argv) {
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM") && qEnvironmentVariableIsEmpty("DISPLAY"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("meshx-bench"));
    int rate = 200000;
    int seconds = 30;
    int baseRate = 20000;
    int baseSeconds = 10;
    double maxStall = 50;
    QString filter;
    QString screenshot;
    bool warmFirstRow = false;
    const QStringList args = QApplication::arguments();
    for (int i = 1; i + 1 < args.size(); ++i) {
        if (args[i] == QLatin1String("--rate"))
            rate = args[i + 1].toInt();
        else if (args[i] == QLatin1String("--seconds"))
            seconds = args[i + 1].toInt();
        else if (args[i] == QLatin1String("--baseline-rate"))
            baseRate = args[i + 1].toInt();
        else if (args[i] == QLatin1String("--baseline-seconds"))
            baseSeconds = args[i + 1].toInt();
        else if (args[i] == QLatin1String("--max-stall"))
            maxStall = args[i + 1].toDouble();
        else if (args[i] == QLatin1String("--filter"))
            filter = args[i + 1];
        else if (args[i] == QLatin1String("--screenshot"))
            screenshot = args[i + 1];
    }
    for (const QString& a : args) {
        if (a == QLatin1String("--warm-first-row"))
            warmFirstRow = true;
    }
    rate = std::clamp(rate, 1, 1000000);
    seconds = std::clamp(seconds, 1, 60);
    baseRate = std::clamp(baseRate, 1, 1000000);
    baseSeconds = std::clamp(baseSeconds, 0, 60);

    PhaseResult base;
    if (baseSeconds > 0) {
        std::printf("baseline: %d events/s for %d s\n", baseRate, baseSeconds);
        base = runPhase(baseRate, baseSeconds, filter, {}, warmFirstRow);
    }
    std::printf("flood: %d events/s for %d s\n", rate, seconds);
    const PhaseResult flood = runPhase(rate, seconds, filter, screenshot, warmFirstRow);

    if (baseSeconds > 0)
        print("baseline", base);
    print("flood", flood);
    if (baseSeconds > 0) {
        const double baseRateSeen = double(base.aggregateRequests) / base.seconds;
        const double floodRateSeen = double(flood.aggregateRequests) / flood.seconds;
        std::printf(
            "\nflood / baseline: events counted per second %.0f / %.0f = %.2fx (rate asked "
            "%.1fx); longest stall %.1f / %.1f ms = %.2fx; VmRSS end %ld / %ld KiB = %.2fx\n",
            floodRateSeen, baseRateSeen, floodRateSeen / std::max(1.0, baseRateSeen),
            double(rate) / baseRate, flood.maxStall, base.maxStall,
            flood.maxStall / std::max(0.1, base.maxStall), flood.rssEnd, base.rssEnd,
            double(flood.rssEnd) / double(std::max(1L, base.rssEnd)));
    }
    const bool ok = flood.exact && (baseSeconds == 0 || base.exact) && flood.maxStall < maxStall;
    std::printf("%s (goal: counts exact, longest stall < %.0f ms)\n", ok ? "PASS" : "FAIL",
                maxStall);
    return ok ? 0 : 1;
}
