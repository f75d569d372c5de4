// Publish throughput of the in-process telemetry bus: 4 producer threads, 0, 1 and 3
// subscribers, each subscriber drained by its own reader thread as the console's timer would.
// Prints events/s and ns/event per case. Not a CTest test: run it by hand on a quiet machine.

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <thread>
#include <vector>

#include "telemetry/in_process_bus.h"

using meshx::telemetry::Event;
using meshx::telemetry::InProcessBus;
using meshx::telemetry::Subscription;

namespace {

constexpr int kProducers = 4;

// An event shaped like an RPC call event: a few metrics and short metadata strings.
Event sampleEvent(int producer, int n) {
    Event e;
    e.source = "rpc.client";
    e.name = "call";
    e.metrics = {{"n", n}, {"t_ser", 12}, {"t_exec", 340}, {"size_send", 128}};
    e.meta = {{"producer", producer}, {"fun", "echo"}, {"result", "ok"}};
    return e;
}

struct Figures {
    double eventsPerSec;
    double nsPerEvent;
    uint64_t dropped;
};

Figures run(int subscribers, int perProducer) {
    InProcessBus bus;
    std::vector<std::shared_ptr<Subscription>> subs;
    for (int i = 0; i < subscribers; ++i) {
        subs.push_back(bus.subscribe(100000));
    }
    std::atomic<bool> done{false};
    std::vector<std::thread> readers;
    for (auto& s : subs) {
        readers.emplace_back([&done, s] {
            std::vector<Event> out;
            while (!done.load(std::memory_order_relaxed)) {
                out.clear();
                s->drain(out);
                std::this_thread::sleep_for(std::chrono::milliseconds(33));  // ~30 Hz reader
            }
        });
    }
    // Events are built before the clock starts: we time the bus, not JSON construction.
    std::vector<std::vector<Event>> batches(kProducers);
    for (int p = 0; p < kProducers; ++p) {
        batches[p].reserve(perProducer);
        for (int i = 0; i < perProducer; ++i) {
            batches[p].push_back(sampleEvent(p, i));
        }
    }
    std::atomic<int> ready{0};
    std::vector<std::thread> producers;
    const auto start = std::chrono::steady_clock::now();
    for (int p = 0; p < kProducers; ++p) {
        producers.emplace_back([&, p] {
            ready.fetch_add(1);
            for (auto& e : batches[p]) {
                bus.publish(std::move(e));
            }
        });
    }
    for (auto& t : producers) {
        t.join();
    }
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    done = true;
    for (auto& t : readers) {
        t.join();
    }
    uint64_t dropped = 0;
    for (auto& s : subs) {
        dropped += s->dropped();
    }
    const double total = double(kProducers) * perProducer;
    return {total / secs, secs * 1e9 / total, dropped};
}

}  // namespace

int main(int argc, char** argv) {
    const int perProducer = argc > 1 ? std::atoi(argv[1]) : 250000;
    std::printf("telemetry bus: %d producer threads x %d events\n", kProducers, perProducer);
    double base = 0;
    for (int subscribers : {0, 1, 3}) {
        Figures f = run(subscribers, perProducer);
        if (subscribers == 0) {
            base = f.nsPerEvent;
        }
        std::printf(
            "  %d subscriber(s): %12.0f events/s  %8.1f ns/event  (x%.1f of 0 subs)"
            "  dropped %llu\n",
            subscribers, f.eventsPerSec, f.nsPerEvent, f.nsPerEvent / base,
            static_cast<unsigned long long>(f.dropped));
    }
    return 0;
}
