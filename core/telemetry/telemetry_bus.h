#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "telemetry/event.h"

namespace meshx::telemetry {

// A subscriber's bounded queue. The bus appends; the owner drains in batches (the console on a
// ~30 Hz timer). When full, the events that do not fit (the newest) are dropped and counted — a
// slow reader never slows a producer, and a producer never touches what a reader is about to take.
class Subscription {
  public:
    virtual ~Subscription() = default;

    // Moves up to `max` queued events (oldest first) into `out`; returns how many. Typed events
    // (event.h) come with their metrics/meta JSON made, on the caller's thread. Any thread.
    virtual size_t drain(std::vector<Event>& out, size_t max = SIZE_MAX) = 0;
    // As drain(), but typed events keep metrics/meta null: for readers that read the payload
    // (RpcRecord::fromEvent, the tap's line writer, OTLP spans) and so never build a JSON tree.
    // Any thread.
    virtual size_t drainTyped(std::vector<Event>& out, size_t max = SIZE_MAX) {
        return drain(out, max);
    }
    // Events dropped because this queue was full. Any thread.
    virtual uint64_t dropped() const = 0;
};

// In-process event bus: many producers, several subscribers, bounded, never blocks a producer
// (publish takes no lock: a lock-free push per subscriber, no I/O, no waiting). The bus never knows
// who publishes.
class TelemetryBus {
  public:
    virtual ~TelemetryBus() = default;

    // Stamps seq (and timeUs when 0) and appends the event to every live subscription (each its
    // own copy, the last the event itself); with none it only returns. Any thread.
    virtual void publish(Event event) = 0;
    // A new subscription holding at most `capacity` undrained events; it stops receiving when the
    // returned pointer is released. Any thread.
    virtual std::shared_ptr<Subscription> subscribe(size_t capacity = 100000) = 0;
    // True when at least one subscription is live: producers may skip building costly events.
    virtual bool hasSubscribers() const = 0;

    // The process-wide bus.
    static TelemetryBus& global();
};

}  // namespace meshx::telemetry
