#include "mesh/log_ring.h"

#include <algorithm>
#include <utility>

namespace meshx::mesh {

LogRing::LogRing(size_t capacity) : capacity_(std::max<size_t>(capacity, 1)) {}

void LogRing::append(telemetry::LogLine line) {
    std::lock_guard lock(mutex_);
    if (lines_.size() == capacity_) {
        lines_.pop_front();
        ++dropped_;
    }
    lines_.push_back(std::move(line));
}

std::vector<telemetry::LogLine> LogRing::lines(size_t max) const {
    std::lock_guard lock(mutex_);
    const size_t n = std::min(max, lines_.size());
    return {lines_.end() - static_cast<std::ptrdiff_t>(n), lines_.end()};
}

uint64_t LogRing::dropped() const {
    std::lock_guard lock(mutex_);
    return dropped_;
}

}  // namespace meshx::mesh
