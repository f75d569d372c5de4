#include "telemetry/otlp/retry_backoff.h"

#include <algorithm>
#include <cmath>
#include <random>

namespace meshx::telemetry::otlp {

RetryBackoff::RetryBackoff(Options options, Random uniform01)
    : options_(options), random_(std::move(uniform01)) {
    if (!random_) {
        random_ = [engine = std::mt19937_64(std::random_device{}())]() mutable {
            return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
        };
    }
}

std::chrono::milliseconds RetryBackoff::nextDelay() {
    const double base = static_cast<double>(options_.initial.count()) *
                        std::pow(options_.multiplier, std::min(failures_, 30));
    const double capped = std::min(base, static_cast<double>(options_.max.count()));
    ++failures_;
    const double r = std::clamp(random_(), 0.0, 1.0);
    return std::chrono::milliseconds(static_cast<int64_t>(capped / 2.0 + r * capped / 2.0));
}

void RetryBackoff::reset() {
    failures_ = 0;
}

}  // namespace meshx::telemetry::otlp
