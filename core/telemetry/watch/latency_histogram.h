#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace meshx::telemetry {

// Request times (µs) counted in log-linear buckets, for percentiles of any number of calls in
// fixed memory (kBuckets counters, 2 KiB):
//
//   0 .. 15 µs                      one bucket per µs (exact)
//   [2^e, 2^(e+1)), e = 4 .. 35     16 buckets each, 2^(e-4) µs wide
//   >= 2^36 µs (19 h)               counted in the last bucket
//
// A percentile is reported as the middle of its bucket, clamped to the smallest and largest time
// counted: within 1/32 (3.125%) of a time the bucket holds. Thread: one owner.
class LatencyHistogram {
  public:
    static constexpr int kSubBits = 4;  // 16 buckets per power of two
    static constexpr int64_t kSub = int64_t{1} << kSubBits;
    static constexpr int kMaxBits = 36;
    static constexpr size_t kBuckets = static_cast<size_t>(kSub + (kMaxBits - kSubBits) * kSub);
    // A reported percentile is within this fraction of a time its bucket holds.
    static constexpr double kRelativeError = 1.0 / double(2 * kSub);

    // The bucket of `us` (negative counts as 0).
    static size_t indexOf(int64_t us);
    // The smallest and largest time of bucket `index`.
    static int64_t lowerBound(size_t index);
    static int64_t upperBound(size_t index);

    void add(int64_t us, uint64_t n = 1);
    void merge(const LatencyHistogram& other);
    void clear();
    uint64_t count() const { return count_; }
    // The p-th percentile (0..100), nearest rank; 0 when empty.
    int64_t percentile(double p) const;

  private:
    std::array<uint32_t, kBuckets> counts_{};
    uint64_t count_ = 0;
    int64_t min_ = 0, max_ = 0;
};

}  // namespace meshx::telemetry
