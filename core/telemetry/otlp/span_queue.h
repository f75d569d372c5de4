#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <vector>

#include "telemetry/otlp/span.h"

namespace meshx::telemetry::otlp {

// The exporter's bounded queue of finished spans (OTEL_BSP_MAX_QUEUE_SIZE). push() never waits
// and never grows the queue past its bound: a span that finds it full is dropped and counted
// (the newest is dropped, as the OpenTelemetry batch processor does, so what was queued first
// leaves first). Many producers, one consumer.
class SpanQueue {
  public:
    explicit SpanQueue(size_t capacity);

    // Appends a span, or drops and counts it when full; returns false when dropped. Any thread.
    bool push(Span span);
    // Moves up to `max` spans (oldest first) into `out`; returns how many. Any thread.
    size_t take(std::vector<Span>& out, size_t max);
    // Spans queued now. Any thread.
    size_t size() const;
    // Spans dropped because the queue was full, since construction. Any thread.
    uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }
    // Adds drops that happened before the queue (e.g. the bus subscription's). Any thread.
    void countDropped(uint64_t n) { dropped_.fetch_add(n, std::memory_order_relaxed); }
    size_t capacity() const { return capacity_; }

  private:
    const size_t capacity_;
    mutable std::mutex mutex_;
    std::deque<Span> spans_;
    std::atomic<uint64_t> dropped_{0};
};

}  // namespace meshx::telemetry::otlp
