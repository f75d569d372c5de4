// What a tap costs the data path (issue 17: "costs nothing when nobody watches"): build+publish
// time per event on a bus with an idle TapServer (no subscriber) against a bare bus, and with one
// tap subscriber reading every event over loopback against one in-process ring subscriber
// drained at ~50 Hz (the console's way), all in the same run. Prints figures and ratios; run by
// hand (not in CTest), preferably from a Release build on a quiet machine.

#include <poll.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <thread>

#include "telemetry/in_process_bus.h"
#include "telemetry/tap/tap_client.h"
#include "telemetry/tap/tap_server.h"

using namespace meshx::telemetry;

namespace {

constexpr int kEvents = 50000;
constexpr int kRepeats = 3;

Event sample(int i) {
    Event e;
    e.source = "rpc.client";
    e.name = "call";
    e.metrics = {{"time", {{"exec", i % 100}, {"ser", 3}}}, {"size", {{"send", 100}}}};
    e.meta = {{"fun_name", "echo"}, {"fun_req", "call"}, {"result", "ok"}, {"req_ref", i}};
    return e;
}

double threadCpuNs() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

// ns per event for building it and publishing it, as a producer that does not check
// hasSubscribers() would: wall clock, and the producer thread's CPU time (what the producer
// itself pays; far less sensitive to other load on the machine). Best of kRepeats each.
struct Cost {
    double wallNs = 1e18;
    double cpuNs = 1e18;
};

Cost publishCost(InProcessBus& bus) {
    Cost best;
    for (int r = 0; r < kRepeats; ++r) {
        const auto t0 = std::chrono::steady_clock::now();
        const double c0 = threadCpuNs();
        for (int i = 0; i < kEvents; ++i) {
            bus.publish(sample(i));
        }
        const double cpu = (threadCpuNs() - c0) / kEvents;
        const double wall =
            std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0)
                .count() /
            kEvents;
        best.wallNs = std::min(best.wallNs, wall);
        best.cpuNs = std::min(best.cpuNs, cpu);
    }
    return best;
}

}  // namespace

int main() {
    // 1. Nobody watches: bare bus vs a bus with an idle tap.
    Cost bare, idleTap;
    {
        InProcessBus bus;
        bare = publishCost(bus);
    }
    {
        InProcessBus bus;
        TapServer::Options o;
        o.bus = &bus;
        TapServer tap(o);
        if (!tap.start()) {
            std::fprintf(stderr, "tap did not start\n");
            return 1;
        }
        idleTap = publishCost(bus);
    }
    std::printf(
        "no subscriber:  producer CPU %.0f ns/event bare bus, %.0f with an idle tap: "
        "ratio %.3f (target <= 1.01); wall %.0f vs %.0f ns, ratio %.3f\n",
        bare.cpuNs, idleTap.cpuNs, idleTap.cpuNs / bare.cpuNs, bare.wallNs, idleTap.wallNs,
        idleTap.wallNs / bare.wallNs);
    std::fflush(stdout);

    // 2. Someone watches: an in-process ring subscriber (the console's way) vs one tap
    //    subscriber reading every event over loopback.
    Cost ring, tapped;
    {
        InProcessBus bus;
        auto sub = bus.subscribe(kEvents);
        std::atomic<bool> stop{false};
        std::thread reader([&] {
            std::vector<Event> out;
            while (!stop) {
                out.clear();
                sub->drain(out);
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
            }
        });
        ring = publishCost(bus);
        stop = true;
        reader.join();
    }
    uint64_t linesRead = 0;
    {
        InProcessBus bus;
        TapServer::Options o;
        o.bus = &bus;
        o.queueCapacity = kEvents;
        TapServer tap(o);
        auto addr = tap.start();
        auto client = TapClient::connect(*addr, {}, std::chrono::seconds(5));
        if (!client) {
            std::fprintf(stderr, "tap client: %s\n", client.error().toString().c_str());
            return 1;
        }
        while (tap.subscriberCount() == 0) {
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        std::atomic<bool> stop{false};
        std::thread reader([&] {
            std::vector<std::string> lines;
            while (!stop) {
                pollfd p{client->fd(), POLLIN, 0};
                ::poll(&p, 1, 50);
                lines.clear();
                if (!client->readAvailable(lines)) {
                    break;
                }
                linesRead += lines.size();
            }
        });
        tapped = publishCost(bus);
        stop = true;
        reader.join();
    }
    std::printf(
        "one subscriber: producer CPU %.0f ns/event with a ring subscriber, %.0f with a "
        "tap subscriber over loopback: ratio %.3f (target <= 1.05); wall %.0f vs %.0f ns, "
        "ratio %.3f; %llu lines read\n",
        ring.cpuNs, tapped.cpuNs, tapped.cpuNs / ring.cpuNs, ring.wallNs, tapped.wallNs,
        tapped.wallNs / ring.wallNs, static_cast<unsigned long long>(linesRead));
    return 0;
}
