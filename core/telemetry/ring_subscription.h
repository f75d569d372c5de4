#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "telemetry/telemetry_bus.h"

namespace meshx::telemetry {

// A bounded FIFO of events for one subscriber: a lock-free multi-producer / single-consumer ring
// of event slots held by value (after Dmitry Vyukov's bounded queue: every cell carries a turn
// number saying whose move it is). Producers never take a lock and never wait: a push claims a
// position with one compare-and-swap on `tail_`, moves (or copies) the event into that cell and
// publishes it with one release store. When the ring is full the *new* event is dropped and
// counted — the producer does no work for it beyond the count.
//
//   position p (0, 1, 2, ... forever)  ->  cell p % capacity  in chunk (p % capacity) / kChunkCells
//
//   cell.turn == p             free for the producer that claims position p
//   cell.turn == p + 1         holds the event of position p, for the reader
//   cell.turn == p + capacity  read; free for position p + capacity (the next lap)
//
//   chunks_: [ C0 | C1 | null | null ]   C = kChunkCells cells, allocated by the first producer
//                                        that reaches them and kept until the ring dies
//
// Slots are allocated in chunks the first time the ring reaches them, so an idle subscription
// with a large bound costs little and a busy one allocates nothing per event; memory is bounded
// by `capacity` slots. The reader side (drain) holds `drainMutex_`, which no producer ever takes.
//
// Order: the events of one producer thread keep their order; events of concurrent producers are
// in the order they claimed positions.
class RingSubscription final : public Subscription {
  public:
    explicit RingSubscription(size_t capacity);
    ~RingSubscription() override;
    RingSubscription(const RingSubscription&) = delete;
    RingSubscription& operator=(const RingSubscription&) = delete;

    // Appends `event` (moved or copied into a slot); when the ring is full, drops it, counts the
    // drop and returns false. Never blocks. Any thread (the bus calls it from the publishing
    // thread).
    bool push(Event&& event);
    bool push(const Event& event);
    // As push(const Event&), for callers that hold an event shared elsewhere.
    void push(const std::shared_ptr<const Event>& event) { push(*event); }

    // Subscription
    size_t drain(std::vector<Event>& out, size_t max = SIZE_MAX) override;
    size_t drainTyped(std::vector<Event>& out, size_t max = SIZE_MAX) override;
    uint64_t dropped() const override;

    // Events queued and not yet drained (a snapshot; producers may be adding). Any thread.
    size_t pending() const;
    // The bound given at subscribe time (at least 1). Any thread.
    size_t capacity() const { return capacity_; }
    // Slots allocated so far (at most capacity() rounded up to a chunk). Any thread.
    size_t allocatedSlots() const;

    static constexpr size_t kChunkCells = 256;

  private:
    struct Cell {
        std::atomic<uint64_t> turn{0};
        Event event{Event::TypedTag{}};  // typed and empty: no JSON object allocated per cell
    };
    struct Chunk {
        explicit Chunk(uint64_t firstIndex);
        Cell cells[kChunkCells];
    };
    // Drop counters striped over cache lines, so producers that all find the ring full do not
    // fight over one counter.
    struct alignas(64) DropStripe {
        std::atomic<uint64_t> n{0};
    };
    static constexpr size_t kDropStripes = 8;

    template <class E>
    bool pushImpl(E&& event);
    // The chunk holding cell `index`, allocating it if no producer has yet. Producer side.
    Chunk& chunkFor(size_t index);
    void countDrop();

    const size_t capacity_;
    const size_t chunkCount_;
    std::unique_ptr<std::atomic<Chunk*>[]> chunks_;
    alignas(64) std::atomic<uint64_t> tail_{0};  // next position to claim (producers)
    alignas(64) std::atomic<uint64_t> head_{0};  // next position to read (written by drain)
    std::mutex drainMutex_;                      // one reader at a time; never a producer
    DropStripe drops_[kDropStripes];
};

}  // namespace meshx::telemetry
