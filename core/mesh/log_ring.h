#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <vector>

#include "telemetry/log_line.h"

namespace meshx::mesh {

// The last N log lines of one proxy, for `proxy-info`, the console's log view and post-mortems
// after a crash. Bounded: the oldest line goes when a new one arrives at capacity.
class LogRing {
  public:
    explicit LogRing(size_t capacity);

    // Any thread.
    void append(telemetry::LogLine line);
    // Up to `max` most recent lines, oldest first. Any thread.
    std::vector<telemetry::LogLine> lines(size_t max = SIZE_MAX) const;
    // Lines pushed out by newer ones. Any thread.
    uint64_t dropped() const;
    size_t capacity() const { return capacity_; }

  private:
    const size_t capacity_;
    mutable std::mutex mutex_;
    std::deque<telemetry::LogLine> lines_;
    uint64_t dropped_ = 0;
};

}  // namespace meshx::mesh
