#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "telemetry/event.h"

namespace meshx::telemetry {

// Pairs received OpenTelemetry spans (source "otlp", core/telemetry/otlp/span_event.h) with
// their parent spans, so that a child whose parent belongs to another service becomes one call
// on the edge parent-service -> child-service of the service graph.
//
// Spans arrive in any order: an SDK exports a span when it ends, so a child (which ends first)
// usually comes before its parent, and two services export on their own schedules. So:
//
//   known    (trace_id, span_id) -> service    the last kMaxKnown spans seen (oldest forgotten)
//   waiting  children whose parent is not known yet, by (trace_id, parent_span_id); each waits
//            until its parent arrives, at most kMaxWaitUs of span time behind the newest span
//            seen and at most kMaxWaiting of them (the oldest given up, counted in expired)
//
// A link is produced once per child: when the child arrives and its parent is known, or when
// the parent arrives and finds it waiting. Parent and child of the same service make no link
// (work inside one service is not an edge). Memory is bounded by kMaxKnown + kMaxWaiting.
// Not thread-safe: one owner (the GUI thread, through ServiceGraph).
class SpanLinks {
  public:
    static constexpr size_t kMaxKnown = 32768;
    static constexpr size_t kMaxWaiting = 8192;
    static constexpr int64_t kMaxWaitUs = 30'000'000;

    // What a link needs of a span.
    struct Span {
        std::string traceId, spanId, parentSpanId;  // hex; parentSpanId empty for a root
        std::string service;                        // resource service.name
        int64_t timeUs = 0;                         // the span's end
        int64_t durationUs = 0;
        bool error = false;  // status ERROR
    };
    // One call between services, as the child span measured it.
    struct Link {
        std::string from, to;  // the parent's service, the child's service
        int64_t timeUs = 0;    // the child's end
        int64_t durationUs = 0;
        bool error = false;  // the child's status is ERROR
    };
    struct Stats {
        uint64_t linked = 0;   // links produced
        uint64_t late = 0;     // of them, made when the parent arrived after the child
        uint64_t expired = 0;  // children given up (parent never came within the bounds)
        size_t known = 0, waiting = 0;
    };

    // The span of a received OTLP span event; nullopt for any other event or one without ids.
    static std::optional<Span> fromEvent(const Event& event);

    // Adds a span; returns the links it completes (its own, and those of children waiting for
    // it). A span seen twice (same trace and span id) is ignored.
    std::vector<Link> add(const Span& span);
    Stats stats() const;
    void clear();

  private:
    struct Waiting {
        std::string parentKey;
        Span child;
    };
    void expire();
    void forgetOldest();

    std::unordered_map<std::string, std::string> known_;  // key -> service
    std::vector<std::string> knownOrder_;                 // ring of keys, oldest at knownHead_
    size_t knownHead_ = 0;
    std::map<uint64_t, Waiting> waiting_;  // by arrival
    std::unordered_multimap<std::string, uint64_t> waitingByParent_;
    uint64_t nextWaiting_ = 0;
    int64_t newestUs_ = 0;
    Stats stats_;
};

}  // namespace meshx::telemetry
