#include "telemetry/in_process_bus.h"

#include <chrono>
#include <utility>

namespace meshx::telemetry {

namespace {

int64_t nowUs() {
    using namespace std::chrono;
    return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

// Versions of subscriber lists, unique in the process (0 is never used).
std::atomic<uint64_t> gListVersion{0};

// A producer thread's cached subscriber lists: two entries, so a thread publishing to two buses
// in turn does not take a lock on every event. `owner` is only compared, never dereferenced.
struct ListCacheEntry {
    const void* owner = nullptr;
    uint64_t version = 0;
    std::shared_ptr<const InProcessBus::RingList> list;
};
// Trivial, so testing it costs no TLS initialisation guard on the no-subscriber path.
thread_local bool tlHasCache = false;
// Set once this thread's cache is destroyed (thread exit): a publish from a later thread_local
// destructor must not touch it.
thread_local bool tlCacheGone = false;
struct ListCache {
    ListCacheEntry entries[2];
    unsigned next = 0;
    ~ListCache() {
        tlHasCache = false;
        tlCacheGone = true;
    }
};

ListCache& listCache() {
    thread_local ListCache cache;
    tlHasCache = true;
    return cache;
}

}  // namespace

InProcessBus::Core::Core() {
    version.store(gListVersion.fetch_add(1, std::memory_order_relaxed) + 1,
                  std::memory_order_relaxed);
}

InProcessBus::InProcessBus() : core_(std::make_shared<Core>()) {}

InProcessBus::~InProcessBus() = default;

void InProcessBus::publish(Event event) {
    if (core_->live.load(std::memory_order_relaxed) == 0) {
        if (tlHasCache) [[unlikely]] {
            core_->forgetThisThread();  // let go of rings unsubscribed since this thread's last
                                        // event
        }
        return;  // nobody listens: no stamp, no copy, no lock
    }
    event.seq = core_->seq.fetch_add(1, std::memory_order_relaxed) + 1;
    if (event.timeUs == 0) {
        event.timeUs = nowUs();
    }
    const RingList& rings = core_->listForThisThread();
    if (rings.empty()) {
        return;
    }
    // Every subscription but the last gets a copy; the last gets the event itself.
    for (size_t i = 0; i + 1 < rings.size(); ++i) {
        rings[i]->push(static_cast<const Event&>(event));
    }
    rings.back()->push(std::move(event));
}

const InProcessBus::RingList& InProcessBus::Core::listForThisThread() {
    if (tlCacheGone) [[unlikely]] {
        static const RingList kNone;
        return kNone;  // this thread is exiting: its events go nowhere
    }
    ListCache& cache = listCache();
    const uint64_t v = version.load(std::memory_order_acquire);
    for (const ListCacheEntry& e : cache.entries) {
        if (e.owner == this && e.version == v) {
            return *e.list;
        }
    }
    // The list changed (or this thread is new to this bus): refresh one entry under the lock.
    ListCacheEntry* slot = nullptr;
    for (ListCacheEntry& e : cache.entries) {
        if (e.owner == this) {
            slot = &e;
        }
    }
    if (slot == nullptr) {
        slot = &cache.entries[cache.next++ % 2];
    }
    std::shared_ptr<const RingList> old;  // released after unlock: may free a ring
    {
        std::lock_guard lock(mutex);
        old = std::exchange(slot->list, rings);
        slot->version = version.load(std::memory_order_relaxed);
        slot->owner = this;
    }
    return *slot->list;
}

void InProcessBus::Core::forgetThisThread() const {
    ListCache& cache = listCache();
    bool any = false;
    for (ListCacheEntry& e : cache.entries) {
        if (e.owner == this) {
            e = ListCacheEntry{};
        }
        any = any || e.owner != nullptr;
    }
    tlHasCache = any;
}

void InProcessBus::Core::replace(std::shared_ptr<const RingList> next) {
    live.store(next->size(), std::memory_order_relaxed);
    rings = std::move(next);
    version.store(gListVersion.fetch_add(1, std::memory_order_relaxed) + 1,
                  std::memory_order_release);
}

std::shared_ptr<Subscription> InProcessBus::subscribe(size_t capacity) {
    auto ring = std::make_shared<RingSubscription>(capacity);
    {
        std::lock_guard lock(core_->mutex);
        auto next = std::make_shared<RingList>(*core_->rings);
        next->push_back(ring);
        core_->replace(std::move(next));
    }
    // The caller's handle shares the ring; releasing the last handle unlinks the ring from the
    // bus (a producer still holding the previous list may push into it once more, harmlessly;
    // the ring is freed when the last such list lets go of it).
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
    old = rings;
    replace(std::move(next));
}

bool InProcessBus::hasSubscribers() const {
    return core_->live.load(std::memory_order_relaxed) != 0;
}

size_t InProcessBus::subscriberCount() const {
    return core_->live.load(std::memory_order_relaxed);
}

}  // namespace meshx::telemetry
