#include "ui/telemetry/telemetry_ingest.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "telemetry/telemetry_bus.h"

namespace meshx::ui {

using telemetry::FlowRecord;
using telemetry::RpcRecord;

TelemetryIngest::TelemetryIngest(std::vector<std::shared_ptr<telemetry::Subscription>> sources,
                                 size_t rowsPerSecond)
    : sources_(std::move(sources)),
      rowsPerSecond_(static_cast<double>(std::max<size_t>(rowsPerSecond, 1))),
      tokens_(rowsPerSecond_ / 4),
      refilled_(std::chrono::steady_clock::now()) {
    worker_ = std::thread([this] { run(); });
}

TelemetryIngest::~TelemetryIngest() {
    {
        std::lock_guard lock(wakeMutex_);
        stop_ = true;
    }
    wake_.notify_all();
    worker_.join();
}

void TelemetryIngest::run() {
    for (;;) {
        {
            std::lock_guard lock(wakeMutex_);
            if (stop_)
                return;
        }
        size_t n = 0;
        {
            std::lock_guard hold(workMutex_);
            n = passLocked(kPassMax);
        }
        if (n >= kPassMax)
            continue;  // behind: the next pass at once
        std::unique_lock lock(wakeMutex_);
        if (wake_.wait_for(lock, std::chrono::milliseconds(kPassMs), [this] { return stop_; }))
            return;
    }
}

void TelemetryIngest::processNow(size_t maxEvents) {
    size_t done = 0;
    while (done < maxEvents) {
        std::lock_guard hold(workMutex_);
        const size_t n = passLocked(std::min(kPassMax, maxEvents - done));
        if (n == 0)
            return;
        done += n;
    }
}

size_t TelemetryIngest::passLocked(size_t max) {
    // Drain and flatten the whole pass first (no lock but ours), so the row budget is shared
    // evenly over the pass instead of going to its first chunk.
    std::vector<telemetry::Event> events;
    std::vector<RpcRecord> rows;
    std::vector<FlowRecord> flows;
    std::vector<uint8_t> isFlow;
    std::vector<telemetry::Event> spans;  // received OTLP spans, for the graph's span edges
    size_t drained = 0;
    for (const auto& source : sources_) {
        while (drained < max) {
            events.clear();
            const size_t n = source->drainTyped(events, std::min(kChunk, max - drained));
            if (n == 0)
                break;
            drained += n;
            for (const auto& e : events) {
                if (RpcRecord::isStreamed(e)) {  // RPC events and received OTLP spans
                    rows.push_back(RpcRecord::fromEvent(e));
                    isFlow.push_back(0);
                    if (e.source == "otlp")
                        spans.push_back(e);
                } else if (FlowRecord::isFlow(e)) {
                    // A flow is a row too (source proxy); the trip and the graph read it.
                    rows.push_back(RpcRecord::fromEvent(e));
                    isFlow.push_back(1);
                    flows.push_back(FlowRecord::fromEvent(e));
                }
            }
        }
    }
    if (drained == 0)
        return 0;

    std::vector<uint8_t> matched(rows.size(), 0);
    size_t matchedCount = 0;
    const bool all = filter_.matchesAll();
    for (size_t i = 0; i < rows.size(); ++i) {
        if (all || filter_.matches(rows[i])) {
            matched[i] = 1;
            ++matchedCount;
        }
    }

    // Count everything, a chunk per lock, so a reader on the GUI thread waits one chunk at most.
    size_t flow = 0;
    for (size_t begin = 0; begin < rows.size(); begin += kChunk) {
        const size_t end = std::min(rows.size(), begin + kChunk);
        std::lock_guard lock(stateMutex_);
        for (size_t i = begin; i < end; ++i) {
            const RpcRecord& r = rows[i];
            aggregate_.add(r);
            if (isFlow[i] != 0)
                graph_.addFlow(flows[flow++]);
            else
                graph_.addCall(r);
            if (matched[i] != 0 && r.isPlotted()) {
                series_.add(r);
                const int64_t second = r.timeUs / 1000000;
                if (second != lastDirty_) {
                    dirtySeconds_.insert(second);
                    lastDirty_ = second;
                }
            }
        }
    }
    if (!spans.empty()) {
        std::lock_guard lock(stateMutex_);
        for (const auto& span : spans)
            graph_.addSpan(span);  // parent/child edges across services (SpanLinks)
    }
    handOver(rows, matched, matchedCount, flows, drained);
    return drained;
}

void TelemetryIngest::handOver(std::vector<RpcRecord>& rows, const std::vector<uint8_t>& matched,
                               size_t matchedCount, std::vector<FlowRecord>& flows, size_t events) {
    const auto now = std::chrono::steady_clock::now();
    const double dt = std::chrono::duration<double>(now - refilled_).count();
    refilled_ = now;
    // At most a quarter second of rows at once: a burst after a quiet spell is shown whole.
    tokens_ = std::min(tokens_ + dt * rowsPerSecond_, rowsPerSecond_ / 4);

    std::vector<RpcRecord> keep;
    uint64_t skipped = 0;
    if (static_cast<double>(rows.size()) <= tokens_) {
        // The view keeps up: every row, matching or not, so a later filter sees them all.
        keep = std::move(rows);
    } else {
        // Only rows the filter accepts; every N-th when even those are too many.
        const double budget = std::floor(tokens_);
        const uint64_t stride =
            static_cast<double>(matchedCount) <= budget
                ? 1
                : (budget >= 1 ? static_cast<uint64_t>(
                                     std::ceil(static_cast<double>(matchedCount) / budget))
                               : 0);
        keep.reserve(stride == 0 ? 0 : matchedCount / stride + 1);
        for (size_t i = 0; i < rows.size(); ++i) {
            if (matched[i] == 0)
                continue;
            // At random, 1 in `stride`: every N-th would alias with a regular stream (client
            // and server ends alternate, so an even N showed one end only).
            if (stride != 0 && pick_() % stride == 0)
                keep.push_back(std::move(rows[i]));
            else
                ++skipped;
        }
    }
    tokens_ = std::max(0.0, tokens_ - static_cast<double>(keep.size()));

    std::lock_guard lock(outMutex_);
    pending_.events += events;
    pending_.matched += matchedCount;
    pending_.skipped += skipped;
    if (pending_.rows.empty())
        pending_.rows = std::move(keep);
    else
        pending_.rows.insert(pending_.rows.end(), std::make_move_iterator(keep.begin()),
                             std::make_move_iterator(keep.end()));
    if (pending_.rows.size() > kMaxPendingRows) {
        // The GUI has not taken for a while (a modal dialog): the oldest rows go, counted.
        const size_t drop = pending_.rows.size() - kMaxPendingRows;
        pending_.rows.erase(pending_.rows.begin(),
                            pending_.rows.begin() + static_cast<std::ptrdiff_t>(drop));
        pending_.skipped += drop;
    }
    pending_.flows.insert(pending_.flows.end(), std::make_move_iterator(flows.begin()),
                          std::make_move_iterator(flows.end()));
    if (pending_.flows.size() > kMaxPendingFlows) {
        pending_.flows.erase(
            pending_.flows.begin(),
            pending_.flows.begin() +
                static_cast<std::ptrdiff_t>(pending_.flows.size() - kMaxPendingFlows));
    }
}

TelemetryIngest::Batch TelemetryIngest::take(size_t maxRows) {
    Batch out;
    std::lock_guard lock(outMutex_);
    if (pending_.rows.size() <= maxRows) {
        std::swap(out, pending_);
        return out;
    }
    // Counts and flows go now; the newest rows wait for the next take.
    out.events = std::exchange(pending_.events, 0);
    out.matched = std::exchange(pending_.matched, 0);
    out.skipped = std::exchange(pending_.skipped, 0);
    out.flows = std::move(pending_.flows);
    pending_.flows.clear();
    const auto split = pending_.rows.begin() + static_cast<std::ptrdiff_t>(maxRows);
    out.rows.assign(std::make_move_iterator(pending_.rows.begin()), std::make_move_iterator(split));
    pending_.rows.erase(pending_.rows.begin(), split);
    return out;
}

uint64_t TelemetryIngest::resetFilter(const telemetry::EventFilter& filter, CallSeries base) {
    filter_ = filter;
    std::lock_guard lock(stateMutex_);
    series_ = std::move(base);
    dirtySeconds_.clear();
    lastDirty_ = INT64_MIN;
    return ++seriesGeneration_;
}

uint64_t TelemetryIngest::clearSeries() {
    std::lock_guard lock(stateMutex_);
    series_.clear();
    dirtySeconds_.clear();
    lastDirty_ = INT64_MIN;
    return ++seriesGeneration_;
}

void TelemetryIngest::syncSeries(CallSeries& replica, uint64_t& generation) {
    std::lock_guard lock(stateMutex_);
    if (generation != seriesGeneration_) {
        replica = series_;
        generation = seriesGeneration_;
    } else if (!dirtySeconds_.empty()) {
        replica.copyBuckets(series_, dirtySeconds_);
    }
    dirtySeconds_.clear();
    lastDirty_ = INT64_MIN;
}

telemetry::RpcAggregate TelemetryIngest::aggregate() const {
    std::lock_guard lock(stateMutex_);
    return aggregate_;
}

std::string TelemetryIngest::renderPrometheus() const {
    std::lock_guard lock(stateMutex_);
    return aggregate_.renderPrometheus();
}

telemetry::SpanLinks::Stats TelemetryIngest::spanStats() const {
    std::lock_guard lock(stateMutex_);
    return graph_.spanStats();
}

telemetry::ServiceGraph::Snapshot TelemetryIngest::graphSnapshot(int64_t nowUs) const {
    std::lock_guard lock(stateMutex_);
    return graph_.snapshot(nowUs);
}

void TelemetryIngest::setServiceNames(std::map<std::string, std::string> names) {
    std::lock_guard lock(stateMutex_);
    graph_.setServiceNames(std::move(names));
}

}  // namespace meshx::ui
