#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

#include "telemetry/ring_subscription.h"
#include "telemetry/telemetry_bus.h"

namespace meshx::telemetry {

// The TelemetryBus of this process (TelemetryBus::global() is one of these; tests make their own).
//
// Publishing never waits and, in steady state, takes no lock:
//   - nobody subscribed: one relaxed atomic load, then return (the event is not even stamped);
//   - else: one atomic increment for `seq`, one acquire load of the subscriber list's version,
//     and a push into each subscription's lock-free ring (RingSubscription: one compare-and-swap,
//     the event moved into a preallocated slot; the last subscription gets the event moved, the
//     others a copy). No heap allocation per event.
// The subscriber list is an immutable snapshot replaced on (rare) subscribe/unsubscribe; each
// producer thread keeps the snapshot it last used and takes the list lock only when the
// version has changed since.
//
// Order: `seq` is unique and increasing in publish-call order of the stamping; in every
// subscription the events of one producer thread keep their publish order. Events of concurrent
// producers may interleave in a queue slightly out of `seq` order (sort by seq if it matters).
// A full subscription drops the newest events (the ones that do not fit) and counts them.
class InProcessBus final : public TelemetryBus {
  public:
    InProcessBus();
    ~InProcessBus() override;
    InProcessBus(const InProcessBus&) = delete;
    InProcessBus& operator=(const InProcessBus&) = delete;

    // TelemetryBus
    void publish(Event event) override;
    std::shared_ptr<Subscription> subscribe(size_t capacity = 100000) override;
    bool hasSubscribers() const override;

    // Number of live subscriptions. Any thread.
    size_t subscriberCount() const;

    using RingList = std::vector<std::shared_ptr<RingSubscription>>;

  private:
    // Shared with every subscription's release hook, so a subscription may outlive its bus.
    struct Core {
        Core();

        std::mutex mutex;  // guards `rings` and `version` together (lists are immutable)
        std::shared_ptr<const RingList> rings = std::make_shared<const RingList>();
        // Changes with every new list; unique across all buses of the process, so a producer's
        // cached list can never be mistaken for another bus's.
        // Read by every publish, written only on (un)subscribe: a cache line of their own, away
        // from `seq`, which every publish with a subscriber writes.
        alignas(64) std::atomic<uint64_t> version{0};
        std::atomic<size_t> live{0};
        alignas(64) std::atomic<uint64_t> seq{0};

        void replace(std::shared_ptr<const RingList> next);  // holds `mutex`
        void remove(const RingSubscription* ring);
        // The current list, from this thread's cache when its version still matches.
        const RingList& listForThisThread();
        // Releases this thread's cached list of this bus (nobody subscribes any more).
        void forgetThisThread() const;
    };

    std::shared_ptr<Core> core_;
};

}  // namespace meshx::telemetry
