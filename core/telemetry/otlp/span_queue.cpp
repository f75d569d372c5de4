#include "telemetry/otlp/span_queue.h"

#include <algorithm>

namespace meshx::telemetry::otlp {

SpanQueue::SpanQueue(size_t capacity) : capacity_(std::max<size_t>(1, capacity)) {}

bool SpanQueue::push(Span span) {
    std::lock_guard lock(mutex_);
    if (spans_.size() >= capacity_) {
        dropped_.fetch_add(1, std::memory_order_relaxed);
        return false;
    }
    spans_.push_back(std::move(span));
    return true;
}

size_t SpanQueue::take(std::vector<Span>& out, size_t max) {
    std::lock_guard lock(mutex_);
    const size_t n = std::min(max, spans_.size());
    for (size_t i = 0; i < n; ++i) {
        out.push_back(std::move(spans_.front()));
        spans_.pop_front();
    }
    return n;
}

size_t SpanQueue::size() const {
    std::lock_guard lock(mutex_);
    return spans_.size();
}

}  // namespace meshx::telemetry::otlp
