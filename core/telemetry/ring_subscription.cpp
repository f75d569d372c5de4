#include "telemetry/ring_subscription.h"

#include <algorithm>
#include <utility>

#include "telemetry/event_json.h"

namespace meshx::telemetry {

namespace {

// Each producer thread counts its drops in one stripe, picked once per thread.
size_t dropStripeOfThisThread(size_t stripes) {
    static std::atomic<size_t> next{0};
    thread_local const size_t mine = next.fetch_add(1, std::memory_order_relaxed);
    return mine % stripes;
}

}  // namespace

RingSubscription::Chunk::Chunk(uint64_t firstIndex) {
    for (size_t i = 0; i < kChunkCells; ++i) {
        cells[i].turn.store(firstIndex + i, std::memory_order_relaxed);
    }
}

RingSubscription::RingSubscription(size_t capacity)
    : capacity_(std::max<size_t>(capacity, 1)),
      chunkCount_((capacity_ + kChunkCells - 1) / kChunkCells),
      chunks_(std::make_unique<std::atomic<Chunk*>[]>(chunkCount_)) {
    for (size_t i = 0; i < chunkCount_; ++i) {
        chunks_[i].store(nullptr, std::memory_order_relaxed);
    }
}

RingSubscription::~RingSubscription() {
    for (size_t i = 0; i < chunkCount_; ++i) {
        delete chunks_[i].load(std::memory_order_acquire);
    }
}

RingSubscription::Chunk& RingSubscription::chunkFor(size_t index) {
    std::atomic<Chunk*>& slot = chunks_[index / kChunkCells];
    Chunk* chunk = slot.load(std::memory_order_acquire);
    if (chunk != nullptr) {
        return *chunk;
    }
    // First touch: once per chunk in the ring's life. Producers racing here each build one; the
    // first to install it wins and the others free theirs.
    auto fresh = std::make_unique<Chunk>(index / kChunkCells * kChunkCells);
    if (slot.compare_exchange_strong(chunk, fresh.get(), std::memory_order_acq_rel,
                                     std::memory_order_acquire)) {
        return *fresh.release();
    }
    return *chunk;
}

template <class E>
bool RingSubscription::pushImpl(E&& event) {
    uint64_t pos = tail_.load(std::memory_order_relaxed);
    Cell* cell = nullptr;
    while (true) {
        const size_t index = static_cast<size_t>(pos % capacity_);
        Chunk* chunk = chunks_[index / kChunkCells].load(std::memory_order_acquire);
        // An unallocated chunk has never been written: its cells are at their first turn.
        const uint64_t turn =
            chunk != nullptr
                ? chunk->cells[index % kChunkCells].turn.load(std::memory_order_acquire)
                : index;
        if (turn == pos) {
            if (tail_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) {
                cell = &chunkFor(index).cells[index % kChunkCells];
                break;
            }
            // pos now holds the current tail: try again there.
        } else if (turn < pos) {
            // The cell still holds the event of the previous lap: the ring is full.
            countDrop();
            return false;
        } else {
            pos = tail_.load(std::memory_order_relaxed);  // another producer got there first
        }
    }
    cell->event = std::forward<E>(event);
    cell->turn.store(pos + 1, std::memory_order_release);
    return true;
}

bool RingSubscription::push(Event&& event) {
    return pushImpl(std::move(event));
}

bool RingSubscription::push(const Event& event) {
    return pushImpl(event);
}

void RingSubscription::countDrop() {
    drops_[dropStripeOfThisThread(kDropStripes)].n.fetch_add(1, std::memory_order_relaxed);
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
    std::lock_guard lock(drainMutex_);
    out.reserve(out.size() + std::min(max, pending()));
    uint64_t head = head_.load(std::memory_order_relaxed);
    size_t n = 0;
    while (n < max) {
        const size_t index = static_cast<size_t>(head % capacity_);
        Chunk* chunk = chunks_[index / kChunkCells].load(std::memory_order_acquire);
        if (chunk == nullptr) {
            break;  // never written
        }
        Cell& cell = chunk->cells[index % kChunkCells];
        if (cell.turn.load(std::memory_order_acquire) != head + 1) {
            break;  // empty, or its producer has claimed it and not finished writing
        }
        out.push_back(std::move(cell.event));
        cell.turn.store(head + capacity_, std::memory_order_release);
        ++head;
        ++n;
    }
    head_.store(head, std::memory_order_relaxed);
    return n;
}

uint64_t RingSubscription::dropped() const {
    uint64_t sum = 0;
    for (const DropStripe& s : drops_) {
        sum += s.n.load(std::memory_order_relaxed);
    }
    return sum;
}

size_t RingSubscription::pending() const {
    const uint64_t head = head_.load(std::memory_order_relaxed);
    const uint64_t tail = tail_.load(std::memory_order_relaxed);
    return tail > head ? static_cast<size_t>(std::min<uint64_t>(tail - head, capacity_)) : 0;
}

size_t RingSubscription::allocatedSlots() const {
    size_t n = 0;
    for (size_t i = 0; i < chunkCount_; ++i) {
        if (chunks_[i].load(std::memory_order_relaxed) != nullptr) {
            n += kChunkCells;
        }
    }
    return n;
}

}  // namespace meshx::telemetry
