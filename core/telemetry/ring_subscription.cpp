#include "telemetry/ring_subscription.h"

#include <algorithm>
#include <utility>

namespace meshx::telemetry {

namespace {
// First slot array size: enough for a ~30 Hz reader at a few thousand events/s without growing.
constexpr size_t kInitialSlots = 256;
}  // namespace

RingSubscription::RingSubscription(size_t capacity) : capacity_(std::max<size_t>(capacity, 1)) {
    slots_.resize(std::min(capacity_, kInitialSlots));
}

void RingSubscription::push(Event&& event) {
    std::optional<Event> evicted;  // destroyed after unlock: freeing its strings is not our lock's
    {
        std::lock_guard lock(mutex_);
        if (size_ == slots_.size() && slots_.size() < capacity_) {
            growLocked();
        }
        if (size_ == slots_.size()) {
            // Full at capacity: the newest event wins, the oldest goes.
            evicted = std::move(slots_[head_]);
            slots_[head_] = std::move(event);
            head_ = (head_ + 1) % slots_.size();
            dropped_.fetch_add(1, std::memory_order_relaxed);
        } else {
            slots_[(head_ + size_) % slots_.size()] = std::move(event);
            ++size_;
        }
    }
}

void RingSubscription::growLocked() {
    // Unroll the ring into a larger array, oldest first; growth is geometric, so it happens
    // O(log capacity) times in a subscription's life.
    std::vector<std::optional<Event>> bigger(std::min(capacity_, slots_.size() * 2));
    for (size_t i = 0; i < size_; ++i) {
        bigger[i] = std::move(slots_[(head_ + i) % slots_.size()]);
    }
    slots_.swap(bigger);
    head_ = 0;
}

size_t RingSubscription::drain(std::vector<Event>& out, size_t max) {
    // Reserve before locking so the consumer's allocation never stalls a producer.
    out.reserve(out.size() + std::min(max, pending()));
    std::lock_guard lock(mutex_);
    const size_t n = std::min(max, size_);
    for (size_t i = 0; i < n; ++i) {
        std::optional<Event>& slot = slots_[head_];
        out.push_back(std::move(*slot));
        slot.reset();
        head_ = (head_ + 1) % slots_.size();
    }
    size_ -= n;
    return n;
}

uint64_t RingSubscription::dropped() const {
    return dropped_.load(std::memory_order_relaxed);
}

size_t RingSubscription::pending() const {
    std::lock_guard lock(mutex_);
    return size_;
}

}  // namespace meshx::telemetry
