#include "telemetry/watch/span_links.h"

#include <algorithm>

namespace meshx::telemetry {

namespace {

std::string key(const std::string& traceId, const std::string& spanId) {
    return traceId + '/' + spanId;
}

std::string text(const nlohmann::json& object, const char* field) {
    auto it = object.find(field);
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::optional<SpanLinks::Span> SpanLinks::fromEvent(const Event& e) {
    if (e.source != "otlp" || !e.meta.is_object())
        return std::nullopt;
    Span s;
    s.traceId = text(e.meta, "trace_id");
    s.spanId = text(e.meta, "span_id");
    if (s.traceId.empty() || s.spanId.empty())
        return std::nullopt;
    s.parentSpanId = text(e.meta, "parent_span_id");
    s.service = text(e.meta, "service_name");
    s.timeUs = e.timeUs;
    if (auto t = e.metrics.find("time"); t != e.metrics.end() && t->is_object()) {
        if (auto x = t->find("exec"); x != t->end() && x->is_number())
            s.durationUs = x->get<int64_t>();
    }
    // span_event.h: "ok", or "error: <status message>" for status ERROR.
    s.error = text(e.meta, "result").rfind("error", 0) == 0;
    return s;
}

std::vector<SpanLinks::Link> SpanLinks::add(const Span& span) {
    std::vector<Link> out;
    const std::string own = key(span.traceId, span.spanId);
    if (known_.count(own) > 0)
        return out;
    newestUs_ = std::max(newestUs_, span.timeUs);
    auto link = [&](const std::string& parentService, const Span& child, bool late) {
        if (parentService == child.service)
            return;
        out.push_back({parentService, child.service, child.timeUs, child.durationUs, child.error});
        ++stats_.linked;
        stats_.late += late ? 1 : 0;
    };

    // Its own parent: known already, or wait for it.
    if (!span.parentSpanId.empty()) {
        const std::string parent = key(span.traceId, span.parentSpanId);
        if (auto it = known_.find(parent); it != known_.end()) {
            link(it->second, span, false);
        } else {
            const uint64_t id = nextWaiting_++;
            waiting_.emplace(id, Waiting{parent, span});
            waitingByParent_.emplace(parent, id);
        }
    }
    // Children that arrived before it.
    auto [first, last] = waitingByParent_.equal_range(own);
    for (auto it = first; it != last; ++it) {
        auto w = waiting_.find(it->second);
        if (w != waiting_.end()) {
            link(span.service, w->second.child, true);
            waiting_.erase(w);
        }
    }
    waitingByParent_.erase(first, last);

    // Remember it (a ring of keys bounds the index).
    if (knownOrder_.size() < kMaxKnown) {
        knownOrder_.push_back(own);
    } else {
        known_.erase(knownOrder_[knownHead_]);
        knownOrder_[knownHead_] = own;
        knownHead_ = (knownHead_ + 1) % kMaxKnown;
    }
    known_.emplace(own, span.service);
    expire();
    return out;
}

void SpanLinks::expire() {
    // Arrival order is about span-time order; a child that arrived early but ended late is
    // still bounded by the count below.
    while (!waiting_.empty() && (waiting_.size() > kMaxWaiting ||
                                 waiting_.begin()->second.child.timeUs < newestUs_ - kMaxWaitUs))
        forgetOldest();
}

void SpanLinks::forgetOldest() {
    auto oldest = waiting_.begin();
    auto [first, last] = waitingByParent_.equal_range(oldest->second.parentKey);
    for (auto it = first; it != last; ++it) {
        if (it->second == oldest->first) {
            waitingByParent_.erase(it);
            break;
        }
    }
    waiting_.erase(oldest);
    ++stats_.expired;
}

SpanLinks::Stats SpanLinks::stats() const {
    Stats s = stats_;
    s.known = known_.size();
    s.waiting = waiting_.size();
    return s;
}

void SpanLinks::clear() {
    known_.clear();
    knownOrder_.clear();
    knownHead_ = 0;
    waiting_.clear();
    waitingByParent_.clear();
    stats_ = Stats{};
    newestUs_ = 0;
}

}  // namespace meshx::telemetry
