// Telemetry flood into the console's telemetry page: a producer thread publishes RPC events shaped
// like core/rpc's (four provider instances, client and server sides) at a fixed rate; the GUI
// thread runs the real page (table, filter, plots visible) and a 10 ms probe timer whose lateness
// is the event loop's stall. Prints per-second progress, then the longest stall, the p99 stall and
// resident memory, and exits 1 when the longest stall reaches 100 ms or events went missing.
//
//   QT_QPA_PLATFORM=offscreen bench_console_flood [--rate 20000] [--seconds 30] [--filter TEXT]
//   xvfb-run -a bench_console_flood --screenshot docs/screenshots/live-flood.png

#include <QApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QTabWidget>
#include <QTimer>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>
#include <vector>

#include "telemetry/in_process_bus.h"
#include "ui/telemetry/telemetry_page.h"
#include "ui/telemetry/telemetry_plots.h"
#include "ui/telemetry/telemetry_stream_model.h"

using meshx::telemetry::Event;
using meshx::telemetry::InProcessBus;

namespace {

long rssKb(const char* field) {
    QFile f(QStringLiteral("/proc/self/status"));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray& line : f.readAll().split('\n')) {
        if (line.startsWith(field))
            return line.mid(static_cast<int>(std::strlen(field))).trimmed().split(' ')[0].toLong();
    }
    return -1;
}

Event makeEvent(uint64_t n) {
    static const char* kInstances[] = {"provider-1", "provider-2", "provider-3", "provider-4"};
    static const char* kConns[] = {"AQ", "Ag", "Aw", "BA"};
    const bool client = (n & 1) == 0;
    const size_t inst = (n / 2) % 4;
    const uint64_t req = n / 2 + 1;
    Event e;
    e.source = client ? "rpc.client" : "rpc.server";
    e.name = (n % 50 == 49) ? "cast" : "call";
    const int64_t exec = static_cast<int64_t>(200 + (n * 7919) % 3000);
    e.metrics = {{"blocks", {{"send", 1}, {"recv", 1}}},
                 {"size", {{"send", 120 + n % 64}, {"recv", 90 + n % 32}}},
                 {"time",
                  {{"ser", 3},
                   {"dser", 4},
                   {"exec", client ? 0 : exec},
                   {"hsk", 0},
                   {"idle", 0},
                   {"recv", client ? exec + 150 : 20},
                   {"send", 12}}}};
    nlohmann::json clientRefs = {
        {"conn_ref", "Zm9v"}, {"node_ref", "nonode@nohost"}, {"svc_ref", "console"}};
    nlohmann::json serverRefs = {
        {"conn_ref", kConns[inst]}, {"node_ref", "nonode@nohost"}, {"svc_ref", kInstances[inst]}};
    e.meta = {{"address", "tcp://127.0.0.1:41001"},
              {"prefix", {"meshx_rpc", client ? "console" : kInstances[inst]}},
              {"hsk_ref", 1 + inst},
              {"result", n % 97 == 0 ? "error: timeout" : "ok"},
              {"state", client ? "recv" : "send"},
              {"local", client ? clientRefs : serverRefs},
              {"remote", client ? serverRefs : clientRefs},
              {"fun_name", (n / 2) % 3 == 0 ? "sleep" : "echo"},
              {"fun_req", e.name == "cast" ? "cast" : "call"},
              {"req_ref", req}};
    return e;
}

}  // namespace

int main(int argc, char** argv) {
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM") && qEnvironmentVariableIsEmpty("DISPLAY"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("meshx-bench"));
    int rate = 20000;
    int seconds = 30;
    QString filter;
    QString screenshot;
    const QStringList args = QApplication::arguments();
    for (int i = 1; i + 1 < args.size(); ++i) {
        if (args[i] == QLatin1String("--rate"))
            rate = args[i + 1].toInt();
        else if (args[i] == QLatin1String("--seconds"))
            seconds = args[i + 1].toInt();
        else if (args[i] == QLatin1String("--filter"))
            filter = args[i + 1];
        else if (args[i] == QLatin1String("--screenshot"))
            screenshot = args[i + 1];
    }
    rate = std::clamp(rate, 1, 1000000);
    seconds = std::clamp(seconds, 1, 600);

    InProcessBus bus;
    meshx::ui::TelemetryPage page(bus);
    page.resize(1400, 900);
    page.show();
    page.bottomTabs()->setCurrentWidget(page.plots());
    page.plots()->setInstance(QStringLiteral("each"));
    page.plots()->setWindowSeconds(60);
    if (!filter.isEmpty() && !page.applyFilter(filter)) {
        std::fprintf(stderr, "bad filter\n");
        return 2;
    }
    const long rssStart = rssKb("VmRSS:");

    std::atomic<bool> stop{false};
    std::atomic<uint64_t> published{0};
    std::thread producer([&] {
        using Clock = std::chrono::steady_clock;
        const auto start = Clock::now();
        const auto end = start + std::chrono::seconds(seconds);
        uint64_t n = 0;
        while (!stop.load() && Clock::now() < end) {
            const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
            const auto owed = static_cast<uint64_t>(elapsed * rate);
            while (n < owed && !stop.load()) {
                bus.publish(makeEvent(n));
                if (++n % 1000 == 0)
                    published.store(n);
            }
            published.store(n);
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
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
    QObject::connect(&probe, &QTimer::timeout, [&] {
        const qint64 now = clock.nsecsElapsed();
        stalls.push_back(std::max(0.0, double(now - last) / 1e6 - 10.0));
        last = now;
    });
    probe.start();

    int second = 0;
    QTimer report;
    report.setInterval(1000);
    long rssPeakSeen = 0;
    QObject::connect(&report, &QTimer::timeout, [&] {
        ++second;
        const long rss = rssKb("VmRSS:");
        rssPeakSeen = std::max(rssPeakSeen, rss);
        std::printf(
            "t=%2ds published=%llu received=%llu rows=%d history=%zu dropped=%llu "
            "rss=%ld KiB\n",
            second, static_cast<unsigned long long>(published.load()),
            static_cast<unsigned long long>(page.received()), page.model()->rowCount(),
            page.model()->historySize(), static_cast<unsigned long long>(page.dropped()), rss);
        std::fflush(stdout);
        if (second >= seconds + 1) {
            QApplication::quit();
        }
    });
    report.start();
    app.exec();
    stop.store(true);
    producer.join();
    // Drain what is left, so the counts can be checked.
    for (int i = 0; i < 200 && page.received() + page.dropped() < published.load(); ++i)
        page.flush();
    if (!screenshot.isEmpty()) {
        page.plots()->markDirty();
        page.plots()->refresh();
        page.grab().save(screenshot, "PNG");
    }

    std::vector<double> sorted = stalls;
    std::sort(sorted.begin(), sorted.end());
    const double maxStall = sorted.empty() ? 0 : sorted.back();
    const double p99 = sorted.empty() ? 0 : sorted[sorted.size() * 99 / 100];
    const uint64_t pub = published.load();
    const bool complete = page.received() + page.dropped() == pub;
    std::printf("\nflood: %d events/s for %d s: published %llu, received %llu, dropped %llu\n",
                rate, seconds, static_cast<unsigned long long>(pub),
                static_cast<unsigned long long>(page.received()),
                static_cast<unsigned long long>(page.dropped()));
    std::printf("event loop: %zu probe ticks, longest stall %.1f ms, p99 stall %.1f ms\n",
                stalls.size(), maxStall, p99);
    std::printf(
        "memory: rss start %ld KiB, peak seen %ld KiB, end %ld KiB, VmHWM %ld KiB; "
        "history %zu rows (limit %zu)\n",
        rssStart, rssPeakSeen, rssKb("VmRSS:"), rssKb("VmHWM:"), page.model()->historySize(),
        page.model()->historyLimit());
    const bool ok = maxStall < 100.0 && complete;
    std::printf("%s\n", ok ? "PASS" : "FAIL");
    return ok ? 0 : 1;
}
