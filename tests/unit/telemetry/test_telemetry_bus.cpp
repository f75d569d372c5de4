#include "meshx_test.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <thread>
#include <vector>

#include "telemetry/in_process_bus.h"
#include "telemetry/lifecycle_event.h"
#include "telemetry/log_line.h"

using meshx::telemetry::Event;
using meshx::telemetry::InProcessBus;
using meshx::telemetry::LifecycleEvent;
using meshx::telemetry::LogLine;
using meshx::telemetry::Subscription;
using meshx::telemetry::TelemetryBus;

namespace {

Event makeEvent(int producer, int n) {
    Event e;
    e.source = "test";
    e.name = "tick";
    e.meta = {{"producer", producer}};
    e.metrics = {{"n", n}};
    return e;
}

std::vector<Event> drainAll(Subscription& sub) {
    std::vector<Event> out;
    sub.drain(out);
    return out;
}

}  // namespace

class TestTelemetryBus : public QObject {
    Q_OBJECT

  private slots:
    void stampsSeqAndTime() {
        InProcessBus bus;
        auto sub = bus.subscribe(10);
        bus.publish(makeEvent(0, 1));
        Event withTime = makeEvent(0, 2);
        withTime.timeUs = 42;
        bus.publish(withTime);
        auto got = drainAll(*sub);
        QCOMPARE(got.size(), size_t(2));
        QVERIFY(got[0].seq > 0);
        QVERIFY(got[1].seq > got[0].seq);
        QVERIFY(got[0].timeUs > 1'600'000'000'000'000);  // a plausible wall clock, not zero
        QCOMPARE(got[1].timeUs, int64_t(42));            // a producer's own time is kept
        QCOMPARE(got[0].metrics["n"].get<int>(), 1);
    }

    void drainRespectsMaxAndKeepsOrder() {
        InProcessBus bus;
        auto sub = bus.subscribe(100);
        for (int i = 0; i < 10; ++i) {
            bus.publish(makeEvent(0, i));
        }
        std::vector<Event> out;
        QCOMPARE(sub->drain(out, 4), size_t(4));
        QCOMPARE(sub->drain(out, 100), size_t(6));
        QCOMPARE(sub->drain(out), size_t(0));
        QCOMPARE(out.size(), size_t(10));
        for (int i = 0; i < 10; ++i) {
            QCOMPARE(out[i].metrics["n"].get<int>(), i);
        }
    }

    void boundDropsNewestAndCounts() {
        InProcessBus bus;
        auto sub = bus.subscribe(5);
        for (int i = 0; i < 12; ++i) {
            bus.publish(makeEvent(0, i));
        }
        QCOMPARE(sub->dropped(), uint64_t(7));
        auto got = drainAll(*sub);
        QCOMPARE(got.size(), size_t(5));
        for (int i = 0; i < 5; ++i) {
            // The queued five stay; the events that found the queue full were dropped (a
            // producer never touches what a reader is about to take).
            QCOMPARE(got[i].metrics["n"].get<int>(), i);
        }
        // After a drain the queue takes events again without dropping.
        bus.publish(makeEvent(0, 99));
        QCOMPARE(sub->dropped(), uint64_t(7));
        QCOMPARE(drainAll(*sub).size(), size_t(1));
    }

    void growsPastInitialSlotsUpToBound() {
        // The ring allocates its slots in chunks as it reaches them; FIFO order holds across
        // chunks and across the wrap.
        InProcessBus bus;
        auto sub = bus.subscribe(2000);
        std::vector<Event> out;
        int next = 0;
        for (int i = 0; i < 200; ++i) {
            bus.publish(makeEvent(0, next++));
        }
        sub->drain(out, 150);  // move head into the middle so growth must unroll a wrapped ring
        for (int i = 0; i < 1500; ++i) {
            bus.publish(makeEvent(0, next++));
        }
        sub->drain(out);
        QCOMPARE(sub->dropped(), uint64_t(0));
        QCOMPARE(out.size(), size_t(next));
        for (int i = 0; i < next; ++i) {
            QCOMPARE(out[i].metrics["n"].get<int>(), i);
        }
    }

    void severalSubscribersEachGetEverything() {
        InProcessBus bus;
        auto a = bus.subscribe(100);
        auto b = bus.subscribe(100);
        auto small = bus.subscribe(3);
        for (int i = 0; i < 20; ++i) {
            bus.publish(makeEvent(0, i));
        }
        auto ga = drainAll(*a);
        auto gb = drainAll(*b);
        QCOMPARE(ga.size(), size_t(20));
        QCOMPARE(gb.size(), size_t(20));
        for (size_t i = 0; i < 20; ++i) {
            QCOMPARE(ga[i].seq, gb[i].seq);
            QCOMPARE(gb[i].metrics["n"].get<int>(), int(i));
        }
        // A slow subscriber drops on its own; the others lose nothing.
        QCOMPARE(small->dropped(), uint64_t(17));
        QCOMPARE(a->dropped(), uint64_t(0));
        QCOMPARE(drainAll(*small).size(), size_t(3));
    }

    // Subscribers share one event inside the bus; what each drains must still be its own copy.
    void drainedEventsAreIndependent() {
        InProcessBus bus;
        auto a = bus.subscribe(10);
        auto b = bus.subscribe(10);
        bus.publish(makeEvent(0, 5));
        auto ga = drainAll(*a);
        QCOMPARE(ga.size(), size_t(1));
        ga[0].metrics["n"] = 99;
        ga[0].name = "changed";
        auto gb = drainAll(*b);  // b is now the last holder: it gets the event moved
        QCOMPARE(gb.size(), size_t(1));
        QCOMPARE(gb[0].metrics["n"].get<int>(), 5);
        QCOMPARE(gb[0].name, std::string("tick"));
    }

    void releaseUnsubscribes() {
        InProcessBus bus;
        QVERIFY(!bus.hasSubscribers());
        auto a = bus.subscribe(10);
        auto b = bus.subscribe(10);
        QVERIFY(bus.hasSubscribers());
        QCOMPARE(bus.subscriberCount(), size_t(2));
        std::weak_ptr<Subscription> watchA = a;
        a.reset();
        QVERIFY(watchA.expired());
        QCOMPARE(bus.subscriberCount(), size_t(1));
        bus.publish(makeEvent(0, 1));
        QCOMPARE(drainAll(*b).size(), size_t(1));
        b.reset();
        QVERIFY(!bus.hasSubscribers());
        bus.publish(makeEvent(0, 2));  // no subscriber: must not crash or queue anywhere
    }

    void subscriptionMayOutliveBus() {
        std::shared_ptr<Subscription> sub;
        {
            InProcessBus bus;
            sub = bus.subscribe(10);
            bus.publish(makeEvent(0, 1));
        }
        QCOMPARE(drainAll(*sub).size(), size_t(1));
        sub.reset();  // must not touch the destroyed bus
    }

    void globalBusIsOneInstance() {
        TelemetryBus& g = TelemetryBus::global();
        QCOMPARE(&g, &TelemetryBus::global());
        auto sub = g.subscribe(10);
        g.publish(makeEvent(7, 1));
        auto got = drainAll(*sub);
        QCOMPARE(got.size(), size_t(1));
        QCOMPARE(got[0].meta["producer"].get<int>(), 7);
    }

    // Four producers race; each subscriber must see every event of every producer exactly once
    // and in that producer's order, and seq must be unique.
    void multiProducerStress() {
        InProcessBus bus;
        constexpr int kProducers = 4;
        constexpr int kPerProducer = 20000;
        auto a = bus.subscribe(kProducers * kPerProducer);
        auto b = bus.subscribe(kProducers * kPerProducer);
        auto tiny = bus.subscribe(64);  // bounded and constantly overflowing

        // A reader drains `tiny` concurrently to race drain against push.
        std::atomic<bool> done{false};
        std::atomic<size_t> tinyRead{0};
        std::thread reader([&] {
            std::vector<Event> out;
            while (!done.load()) {
                out.clear();
                tinyRead += tiny->drain(out, 32);
                std::this_thread::yield();
            }
        });

        const auto start = std::chrono::steady_clock::now();
        std::vector<std::thread> producers;
        for (int p = 0; p < kProducers; ++p) {
            producers.emplace_back([&bus, p] {
                for (int i = 0; i < kPerProducer; ++i) {
                    bus.publish(makeEvent(p, i));
                }
            });
        }
        for (auto& t : producers) {
            t.join();
        }
        const auto elapsed = std::chrono::steady_clock::now() - start;
        done = true;
        reader.join();

        // Generous bound for a loaded 2-core debug build: 80k events to 3 queues.
        QVERIFY2(elapsed < std::chrono::seconds(20), "publishing took unreasonably long");

        for (auto* sub : {&a, &b}) {
            auto got = drainAll(**sub);
            QCOMPARE(got.size(), size_t(kProducers * kPerProducer));
            QCOMPARE((*sub)->dropped(), uint64_t(0));
            std::map<int, int> nextOf;
            std::vector<uint64_t> seqs;
            for (const auto& e : got) {
                const int p = e.meta["producer"].get<int>();
                const int n = e.metrics["n"].get<int>();
                QCOMPARE(n, nextOf[p]);
                nextOf[p] = n + 1;
                seqs.push_back(e.seq);
            }
            std::sort(seqs.begin(), seqs.end());
            QVERIFY(std::adjacent_find(seqs.begin(), seqs.end()) == seqs.end());
        }
        std::vector<Event> rest;
        tiny->drain(rest);
        QCOMPARE(tinyRead.load() + rest.size() + tiny->dropped(),
                 size_t(kProducers * kPerProducer));
    }

    // Subscribing and releasing while producers publish must neither crash nor lose events for a
    // subscription that stays.
    void subscribeChurnDuringPublish() {
        InProcessBus bus;
        auto steady = bus.subscribe(100000);
        std::atomic<bool> done{false};
        std::thread churn([&] {
            for (int i = 0; i < 2000 && !done.load(); ++i) {
                auto s = bus.subscribe(16);
                std::vector<Event> out;
                s->drain(out);
            }
        });
        std::thread producer([&] {
            for (int i = 0; i < 20000; ++i) {
                bus.publish(makeEvent(1, i));
            }
        });
        producer.join();
        done = true;
        churn.join();
        QCOMPARE(drainAll(*steady).size(), size_t(20000));
        QCOMPARE(bus.subscriberCount(), size_t(1));
    }

    void logLineConvention() {
        LogLine l{"web-host1", LogLine::Stream::Stderr, "listening on 127.0.0.1:21000", 1234, true};
        Event e = l.toEvent();
        QCOMPARE(e.source, std::string("proxy"));
        QCOMPARE(e.name, std::string("stderr"));
        QCOMPARE(e.meta["service_id"].get<std::string>(), std::string("web-host1"));
        QCOMPARE(e.meta["line"].get<std::string>(), std::string("listening on 127.0.0.1:21000"));
        auto back = LogLine::fromEvent(e);
        QVERIFY(back.has_value());
        QCOMPARE(back->serviceId, l.serviceId);
        QCOMPARE(back->line, l.line);
        QVERIFY(back->stream == LogLine::Stream::Stderr);
        QCOMPARE(back->timeUs, int64_t(1234));
        QVERIFY(back->truncated);
        QVERIFY(!LogLine::fromEvent(makeEvent(0, 0)).has_value());
    }

    void lifecycleConvention() {
        LifecycleEvent l{
            LifecycleEvent::kProxyExited, "web-host1", {{"pid", 4242}, {"reason", "exit code 3"}}};
        Event e = l.toEvent();
        QCOMPARE(e.source, std::string("mesh"));
        QCOMPARE(e.name, std::string("proxy.exited"));
        QCOMPARE(e.meta["service_id"].get<std::string>(), std::string("web-host1"));
        QCOMPARE(e.meta["pid"].get<int>(), 4242);
        auto back = LifecycleEvent::fromEvent(e);
        QVERIFY(back.has_value());
        QCOMPARE(back->serviceId, std::string("web-host1"));
        QCOMPARE(back->details["reason"].get<std::string>(), std::string("exit code 3"));
        QVERIFY(!back->details.contains("service_id"));
        QVERIFY(!LifecycleEvent::fromEvent(makeEvent(0, 0)).has_value());
    }
};

QTEST_GUILESS_MAIN(TestTelemetryBus)
#include "test_telemetry_bus.moc"
