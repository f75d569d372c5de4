#include "telemetry/ring_subscription.h"

#include "telemetry/event_json.h"

#include <algorithm>
#include <atomic>
#include <utility>

namespace meshx::telemetry {

namespace {
// First slot array size: enough for a ~30 Hz reader at a few thousand events/s without growing.
constexpr size_t kInitialSlots = 256;
}  // namespace

RingSubscription::RingSubscription(size_t capacity) : capacity_(std::max<size_t>(capacity, 1)) {
    slots_.resize(std::min(capacity_, kInitialSlots));
}

void RingSubscription::push(const std::shared_ptr<const Event>& event) {
    std::shared_ptr<const Event> evicted;  // released after unlock: it may free the event
    std::lock_guard lock(mutex_);
    if (size_ == slots_.size() && slots_.size() < capacity_) {
        growLocked();
    }
    if (size_ == slots_.size()) {
        // Full at capacity: the newest event wins, the oldest goes.
        evicted = std::exchange(slots_[head_], event);
        head_ = (head_ + 1) % slots_.size();
        dropped_.fetch_add(1, std::memory_order_relaxed);
    } else {
        slots_[(head_ + size_) % slots_.size()] = event;
        ++size_;
    }
}

void RingSubscription::growLocked() {
    // Unroll the ring into a larger array, oldest first; growth is geometric, so it happens
    // O(log capacity) times in a subscription's life.
    std::vector<std::shared_ptr<const Event>> bigger(std::min(capacity_, slots_.size() * 2));
    for (size_t i = 0; i < size_; ++i) {
        bigger[i] = std::move(slots_[(head_ + i) % slots_.size()]);
    }
    slots_.swap(bigger);
    head_ = 0;
}

size_t RingSubscription::drain(std::vector<Event>& out, size_t max) {
    const size_t first = out.size();
    const size_t n = drainTyped(out, max);
    for (size_t i = first; i < out.size(); ++i) {
        event_json::materialize(out[i]);
    }
    return n;
}

size_t RingSubscription::drainTyped(std::vector<Event>& out, size_t max) {
    // Take the pointers under the lock (reserved beforehand, so no allocation there), then copy
    // the events on our own time.
    std::vector<std::shared_ptr<const Event>> taken;
    taken.reserve(std::min(max, pending()));
    {
        std::lock_guard lock(mutex_);
        const size_t n = std::min({max, size_, taken.capacity()});
        for (size_t i = 0; i < n; ++i) {
            taken.push_back(std::move(slots_[head_]));
            head_ = (head_ + 1) % slots_.size();
        }
        size_ -= n;
    }
    out.reserve(out.size() + taken.size());
    for (auto& e : taken) {
        if (e.use_count() == 1) {
            // No other subscription holds it and none can gain it now: take it without a copy.
            // The fence pairs with the other holders' release on dropping their reference, so
            // their reads of the event happen before our move. The bus creates every event
            // non-const, so casting the const away is sound.
            std::atomic_thread_fence(std::memory_order_acquire);
            out.push_back(std::move(const_cast<Event&>(*e)));
        } else {
            out.push_back(*e);
        }
    }
    return taken.size();
}

uint64_t RingSubscription::dropped() const {
    return dropped_.load(std::memory_order_relaxed);
}

size_t RingSubscription::pending() const {
    std::lock_guard lock(mutex_);
    return size_;
}

}  // namespace meshx::telemetry
