#include "telemetry/watch/latency_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace meshx::telemetry {

size_t LatencyHistogram::indexOf(int64_t us) {
    if (us < kSub)
        return us <= 0 ? 0 : static_cast<size_t>(us);
    const auto v = std::min<uint64_t>(static_cast<uint64_t>(us), (uint64_t{1} << kMaxBits) - 1);
    const int e = static_cast<int>(std::bit_width(v)) - 1;  // kSubBits .. kMaxBits - 1
    const int shift = e - kSubBits;
    const auto sub = static_cast<size_t>((v >> shift) - static_cast<uint64_t>(kSub));
    return static_cast<size_t>(kSub) + static_cast<size_t>(shift) * static_cast<size_t>(kSub) + sub;
}

int64_t LatencyHistogram::lowerBound(size_t index) {
    if (index < static_cast<size_t>(kSub))
        return static_cast<int64_t>(index);
    const size_t k = index - static_cast<size_t>(kSub);
    const auto shift = static_cast<int>(k / static_cast<size_t>(kSub));
    const auto sub = static_cast<int64_t>(k % static_cast<size_t>(kSub));
    return (kSub + sub) << shift;
}

int64_t LatencyHistogram::upperBound(size_t index) {
    if (index < static_cast<size_t>(kSub))
        return static_cast<int64_t>(index);
    const auto shift =
        static_cast<int>((index - static_cast<size_t>(kSub)) / static_cast<size_t>(kSub));
    return lowerBound(index) + (int64_t{1} << shift) - 1;
}

void LatencyHistogram::add(int64_t us, uint64_t n) {
    if (n == 0)
        return;
    us = std::max<int64_t>(us, 0);
    if (count_ == 0) {
        min_ = max_ = us;
    } else {
        min_ = std::min(min_, us);
        max_ = std::max(max_, us);
    }
    counts_[indexOf(us)] += static_cast<uint32_t>(n);
    count_ += n;
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
    if (other.count_ == 0)
        return;
    if (count_ == 0) {
        min_ = other.min_;
        max_ = other.max_;
    } else {
        min_ = std::min(min_, other.min_);
        max_ = std::max(max_, other.max_);
    }
    for (size_t i = 0; i < kBuckets; ++i)
        counts_[i] += other.counts_[i];
    count_ += other.count_;
}

void LatencyHistogram::clear() {
    counts_.fill(0);
    count_ = 0;
    min_ = max_ = 0;
}

int64_t LatencyHistogram::percentile(double p) const {
    if (count_ == 0)
        return 0;
    // Nearest rank: the ceil(p% of n)-th smallest time, at least the first.
    const auto rank = std::max<uint64_t>(
        1, static_cast<uint64_t>(std::ceil(std::clamp(p, 0.0, 100.0) / 100.0 * double(count_))));
    uint64_t seen = 0;
    for (size_t i = 0; i < kBuckets; ++i) {
        seen += counts_[i];
        if (seen >= rank) {
            const int64_t lo = lowerBound(i), hi = upperBound(i);
            return std::clamp(lo + (hi - lo) / 2, min_, max_);
        }
    }
    return max_;
}

}  // namespace meshx::telemetry
