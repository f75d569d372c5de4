#include "consul/backoff.h"

#include <algorithm>

namespace meshx::consul {

Backoff::Backoff(Options options, uint64_t seed)
    : options_(options), rng_(seed != 0 ? seed : std::random_device{}()) {
    options_.initial = std::max(options_.initial, std::chrono::milliseconds(1));
    options_.max = std::max(options_.max, options_.initial);
}

std::chrono::milliseconds Backoff::nominal() const {
    auto d = options_.initial;
    for (int i = 0; i < attempt_ && d < options_.max; ++i) {
        d *= 2;
    }
    return std::min(d, options_.max);
}

std::chrono::milliseconds Backoff::next() {
    const auto d = nominal();
    ++attempt_;
    std::uniform_int_distribution<int64_t> half(0, d.count() / 2);
    return std::chrono::milliseconds(d.count() - d.count() / 2 + half(rng_));
}

}  // namespace meshx::consul
