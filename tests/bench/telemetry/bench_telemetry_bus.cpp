// Publish throughput of the in-process telemetry bus: 4 producer threads, 0, 1 and 3
// subscribers, each subscriber drained by its own reader thread at ~30 Hz as the console's timer
// would. Producers build each event right before publishing it, as real producers do; a baseline
// row builds and destroys the same events without a bus, so "bus cost" is the difference.
// Wall-clock rates depend on machine load; producer CPU time per event does much less.
// Not a CTest test: run it by hand (a Release build) on a quiet machine.

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <thread>
#include <vector>

#include "telemetry/in_process_bus.h"

using meshx::telemetry::Event;
using meshx::telemetry::InProcessBus;
using meshx::telemetry::Subscription;

namespace {

int gProducers = 4;  // argv[2] overrides

// An event shaped like an RPC call event: a few metrics and short metadata strings.
Event sampleEvent(int producer, int n) {
    Event e;
    e.source = "rpc.client";
    e.name = "call";
    e.metrics = {{"n", n}, {"t_ser", 12}, {"t_exec", 340}, {"size_send", 128}};
    e.meta = {{"producer", producer}, {"fun", "echo"}, {"result", "ok"}};
    return e;
}

// CPU time of the calling thread: unlike wall time, it does not grow when the machine is busy.
int64_t threadCpuNs() {
    timespec ts{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

struct Figures {
    double eventsPerSec;   // wall clock, all producers together
    double nsPerEvent;     // wall clock
    double cpuNsPerEvent;  // producer CPU time per event
    uint64_t dropped;
};

// subscribers < 0: the baseline, no bus at all. readers == false: nobody drains, so the rings
// stay full and every publish evicts (and frees, on the producer) the oldest event: the bus's own
// work without the cost of holding events in memory for a reader.
Figures run(int subscribers, int perProducer, bool readers = true, size_t capacity = 100000) {
    InProcessBus bus;
    std::vector<std::shared_ptr<Subscription>> subs;
    for (int i = 0; i < subscribers; ++i) {
        subs.push_back(bus.subscribe(capacity));
    }
    std::atomic<bool> done{false};
    std::vector<std::thread> readerThreads;
    for (auto& s : subs) {
        if (!readers) {
            break;
        }
        readerThreads.emplace_back([&done, s] {
            std::vector<Event> out;
            while (!done.load(std::memory_order_relaxed)) {
                out.clear();
                s->drain(out);
                std::this_thread::sleep_for(std::chrono::milliseconds(33));
            }
        });
    }
    std::atomic<int64_t> cpuNs{0};
    std::vector<std::thread> producers;
    const auto start = std::chrono::steady_clock::now();
    for (int p = 0; p < gProducers; ++p) {
        producers.emplace_back([&, p] {
            const int64_t cpu0 = threadCpuNs();
            for (int i = 0; i < perProducer; ++i) {
                Event e = sampleEvent(p, i);
                if (subscribers >= 0) {
                    bus.publish(std::move(e));
                }
            }
            cpuNs.fetch_add(threadCpuNs() - cpu0);
        });
    }
    for (auto& t : producers) {
        t.join();
    }
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    done = true;
    for (auto& t : readerThreads) {
        t.join();
    }
    uint64_t dropped = 0;
    for (auto& s : subs) {
        dropped += s->dropped();
    }
    const double total = double(gProducers) * perProducer;
    return {total / secs, secs * 1e9 / total, double(cpuNs.load()) / total, dropped};
}

}  // namespace

int main(int argc, char** argv) {
    const int perProducer = argc > 1 ? std::atoi(argv[1]) : 250000;
    if (argc > 2) {
        gProducers = std::atoi(argv[2]);
    }
    std::printf("telemetry bus: %d producer threads x %d events, %u hardware threads\n", gProducers,
                perProducer, std::thread::hardware_concurrency());
    const Figures base = run(-1, perProducer);
    std::printf("  baseline (build+free) : %10.0f events/s  %7.1f ns/event wall  %7.1f ns CPU\n",
                base.eventsPerSec, base.nsPerEvent, base.cpuNsPerEvent);
    for (int subscribers : {0, 1, 3}) {
        const Figures f = run(subscribers, perProducer);
        std::printf(
            "  %d subscriber(s)       : %10.0f events/s  %7.1f ns/event wall  %7.1f ns CPU"
            "  bus cost %+7.1f ns/event  dropped %llu\n",
            subscribers, f.eventsPerSec, f.nsPerEvent, f.cpuNsPerEvent,
            f.cpuNsPerEvent - base.cpuNsPerEvent, static_cast<unsigned long long>(f.dropped));
    }
    const Figures full = run(1, perProducer, false, 1024);
    std::printf(
        "  1 subscriber, full    : %10.0f events/s  %7.1f ns/event wall  %7.1f ns CPU"
        "  bus cost %+7.1f ns/event  dropped %llu\n",
        full.eventsPerSec, full.nsPerEvent, full.cpuNsPerEvent,
        full.cpuNsPerEvent - base.cpuNsPerEvent, static_cast<unsigned long long>(full.dropped));
    return 0;
}
