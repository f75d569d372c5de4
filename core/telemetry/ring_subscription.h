#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "telemetry/telemetry_bus.h"

namespace meshx::telemetry {

// A bounded FIFO of events for one subscriber, as a ring over a slot array of shared immutable
// events (every subscription of a bus holds the same event; it is copied out only at drain, on
// the reader's thread, and moved instead when this reader is its last holder):
//
//   slots_: [ e3 | e4 | -- | -- | e0 | e1 | e2 ]      head_ = 4, size_ = 5
//                         ^ next push              ^ oldest (next drain)
//
// The slot array starts small and doubles up to `capacity`, so an idle subscription with a large
// bound costs little; once it is at capacity a push overwrites the oldest slot and counts a drop.
// Every operation holds `mutex_` only for index arithmetic and pointer moves: no event is copied
// or freed under it.
class RingSubscription final : public Subscription {
  public:
    explicit RingSubscription(size_t capacity);

    // Appends `event`, evicting the oldest queued event when full. Any thread (the bus calls it
    // from the publishing thread).
    void push(const std::shared_ptr<const Event>& event);

    // Subscription
    size_t drain(std::vector<Event>& out, size_t max = SIZE_MAX) override;
    size_t drainTyped(std::vector<Event>& out, size_t max = SIZE_MAX) override;
    uint64_t dropped() const override;

    // Events queued and not yet drained. Any thread.
    size_t pending() const;
    // The bound given at subscribe time (at least 1). Any thread.
    size_t capacity() const { return capacity_; }

  private:
    void growLocked();

    const size_t capacity_;
    mutable std::mutex mutex_;
    std::vector<std::shared_ptr<const Event>> slots_;
    size_t head_ = 0;
    size_t size_ = 0;
    std::atomic<uint64_t> dropped_{0};
};

}  // namespace meshx::telemetry
