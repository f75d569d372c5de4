#include "telemetry/in_process_bus.h"

#include <chrono>
#include <utility>

namespace meshx::telemetry {

namespace {
int64_t nowUs() {
    using namespace std::chrono;
    return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}
}  // namespace

InProcessBus::InProcessBus() : core_(std::make_shared<Core>()) {}

InProcessBus::~InProcessBus() = default;

void InProcessBus::publish(Event event) {
    event.seq = core_->seq.fetch_add(1, std::memory_order_relaxed) + 1;
    if (core_->live.load(std::memory_order_relaxed) == 0) {
        return;  // nobody listens: skip the copies and the list lock
    }
    if (event.timeUs == 0) {
        event.timeUs = nowUs();
    }
    std::shared_ptr<const RingList> rings;
    {
        std::lock_guard lock(core_->mutex);
        rings = core_->rings;
    }
    // One allocation per publish, whatever the number of subscribers: they share the event.
    // Made non-const so a last reader may move it out (RingSubscription::drain).
    const std::shared_ptr<const Event> shared = std::make_shared<Event>(std::move(event));
    for (const auto& ring : *rings) {
        ring->push(shared);
    }
}

std::shared_ptr<Subscription> InProcessBus::subscribe(size_t capacity) {
    auto ring = std::make_shared<RingSubscription>(capacity);
    {
        std::lock_guard lock(core_->mutex);
        auto next = std::make_shared<RingList>(*core_->rings);
        next->push_back(ring);
        core_->rings = std::move(next);
        core_->live.fetch_add(1, std::memory_order_relaxed);
    }
    // The caller's handle shares the ring; releasing the last handle unlinks the ring from the
    // bus (a producer still holding an old list snapshot may push into it once more, harmlessly).
    std::weak_ptr<Core> weakCore = core_;
    RingSubscription* raw = ring.get();
    return std::shared_ptr<Subscription>(raw, [weakCore, ring](Subscription*) mutable {
        if (auto core = weakCore.lock()) {
            core->remove(ring.get());
        }
        ring.reset();
    });
}

void InProcessBus::Core::remove(const RingSubscription* ring) {
    std::shared_ptr<const RingList> old;  // released after unlock
    std::lock_guard lock(mutex);
    auto next = std::make_shared<RingList>();
    next->reserve(rings->size());
    for (const auto& r : *rings) {
        if (r.get() != ring) {
            next->push_back(r);
        }
    }
    if (next->size() != rings->size()) {
        live.fetch_sub(1, std::memory_order_relaxed);
    }
    old = std::exchange(rings, std::move(next));
}

bool InProcessBus::hasSubscribers() const {
    return core_->live.load(std::memory_order_relaxed) != 0;
}

size_t InProcessBus::subscriberCount() const {
    return core_->live.load(std::memory_order_relaxed);
}

}  // namespace meshx::telemetry
