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
// Publishing never waits for a reader: the subscriber list is an immutable snapshot replaced on
// (rare) subscribe/unsubscribe, so a producer takes the list lock only to copy one shared_ptr,
// then pushes one shared copy of the event into each subscription's ring under that ring's own
// short lock. Readers copy events out at drain time, on their own thread.
//
// Order: `seq` is unique and increasing in publish-call order of the stamping; in every
// subscription the events of one producer thread keep their publish order. Events of concurrent
// producers may interleave in a queue slightly out of `seq` order (sort by seq if it matters).
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

  private:
    using RingList = std::vector<std::shared_ptr<RingSubscription>>;

    // Shared with every subscription's release hook, so a subscription may outlive its bus.
    struct Core {
        std::mutex mutex;  // guards `rings` (the pointer, not the list: lists are immutable)
        std::shared_ptr<const RingList> rings = std::make_shared<const RingList>();
        std::atomic<size_t> live{0};
        std::atomic<uint64_t> seq{0};

        void remove(const RingSubscription* ring);
    };

    std::shared_ptr<Core> core_;
};

}  // namespace meshx::telemetry
