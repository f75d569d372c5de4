#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "telemetry/watch/latency_histogram.h"

namespace meshx::telemetry {

// The calls of one service-graph edge over the last kWindowSeconds, in per-second buckets, so
// calls/s and error rate are exact at any rate and the p99 needs bounded memory:
//
//   slots_ (a ring, kSlots seconds):  [ s-10 | s-9 | ... | s ]   s = newest second seen
//   each:  calls, errors, and the request times of that second:
//          the times themselves while they are few (up to kExactPerSecond),
//          then a LatencyHistogram (within 1/32) for the rest of the second
//
// The window at `nowUs` is the seconds nowSec-9 .. nowSec (nowSec = nowUs / 1 s): every call
// from the start of second nowSec-9 up to now, a span of 9 to 10 s (shorter when the edge's
// first call is newer). The p99 is exact when each of those seconds kept its times, from the
// merged histograms otherwise. A call more than kSlots seconds older than the newest counts in
// the totals (ServiceGraph) but not here. Memory per edge at most kSlots x (a histogram +
// kExactPerSecond times), about 34 KiB (bytes()); an edge of a few calls a second, about 1 KiB.
// Thread: one owner.
class EdgeWindow {
  public:
    static constexpr int64_t kWindowSeconds = 10;
    static constexpr size_t kSlots = static_cast<size_t>(kWindowSeconds) + 1;
    static constexpr size_t kExactPerSecond = 128;

    struct Stats {
        uint64_t calls = 0, errors = 0;
        double callsPerSec = 0;
        int64_t p99Us = 0;
    };

    void add(int64_t timeUs, int64_t reqUs, bool ok);
    // Calls, errors, calls/s and p99 over the window ending at `nowUs`.
    Stats stats(int64_t nowUs) const;
    // Bytes this window holds (for the memory bound).
    size_t bytes() const;

  private:
    struct Second {
        int64_t second = INT64_MIN;
        uint64_t calls = 0, errors = 0;
        std::vector<int64_t> times;               // while calls <= kExactPerSecond
        std::unique_ptr<LatencyHistogram> histo;  // from then on (kept for reuse)
        bool histogram = false;
    };
    std::array<Second, kSlots> slots_;
    int64_t firstUs_ = INT64_MAX;  // the edge's first call
};

}  // namespace meshx::telemetry
