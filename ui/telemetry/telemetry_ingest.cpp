#include "ui/telemetry/telemetry_ingest.h"

#include <pthread.h>
#include <sched.h>

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
    // The bounded stores at their working size from the start (address space only; the worker
    // touches them first), so a flood into a fresh console grows no vector on the GUI thread.
    events_.reserve(kChunk);
    rows_.reserve(kPassMax);
    isFlow_.reserve(kPassMax);
    accepted_.reserve(kPassMax);
    keep_.reserve(kPassMax);
    pending_.rows.reserve(kPassMax);
    recycled_.reserve(8);
    spares_.reserve(kMaxSpares + 1);
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
#ifdef __linux__
    // A batch thread: the scheduler never lets its wake-ups preempt the GUI thread, which on a
    // busy 2-core machine otherwise waits behind the worker for its next tick.
    sched_param batch{};
    pthread_setschedparam(pthread_self(), SCHED_BATCH, &batch);
#endif
    {
        // Fault the pass's and the hand-over's vectors in here, once, before any flood: a first
        // touch of fresh memory costs a page fault per 4 KiB, tens of µs each on a loaded
        // paravirtualised machine, and a fresh console flooded at once spent its first seconds
        // in them (and dropped events while its queues filled).
        std::lock_guard hold(workMutex_);
        rows_.resize(kPassMax);
        rows_.clear();
        keep_.resize(kPassMax);
        keep_.clear();
        std::lock_guard out(outMutex_);
        pending_.rows.resize(kPassMax);
        pending_.rows.clear();
        while (spares_.size() < kMaxSpares) {
            std::vector<RpcRecord> spare(kPassMax);
            spare.clear();
            spares_.push_back(std::move(spare));
        }
    }
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

void TelemetryIngest::recycle(std::vector<RpcRecord>&& spent) {
    if (spent.capacity() == 0)
        return;
    std::lock_guard lock(recycleMutex_);
    recycled_.push_back(std::move(spent));
}

void TelemetryIngest::freeRecycled() {
    std::vector<std::vector<RpcRecord>> spent;
    {
        std::lock_guard lock(recycleMutex_);
        if (recycled_.empty())
            return;
        spent.reserve(recycled_.size());
        for (auto& v : recycled_)
            spent.push_back(std::move(v));
        recycled_.clear();
    }
    for (auto& v : spent)
        v.clear();  // the records' strings are freed here, on the worker
    std::lock_guard lock(outMutex_);
    for (auto& v : spent) {
        if (spares_.size() < kMaxSpares && v.capacity() <= kMaxSpareRows)
            spares_.push_back(std::move(v));
    }
}

size_t TelemetryIngest::passLocked(size_t max) {
    freeRecycled();
    // Drain and flatten the whole pass first (no lock but ours), so the row budget is shared
    // evenly over the pass instead of going to its first chunk. The vectors are the pass's
    // scratch, cleared here (what the last pass left: rows sampled out, moved-from shells).
    rows_.clear();
    flows_.clear();
    isFlow_.clear();
    spans_.clear();
    size_t drained = 0;
    for (const auto& source : sources_) {
        while (drained < max) {
            events_.clear();
            const size_t n = source->drainTyped(events_, std::min(kChunk, max - drained));
            if (n == 0)
                break;
            drained += n;
            for (const auto& e : events_) {
                if (RpcRecord::isStreamed(e)) {  // RPC events and received OTLP spans
                    rows_.push_back(RpcRecord::fromEvent(e));
                    isFlow_.push_back(0);
                    if (e.source == "otlp")
                        spans_.push_back(e);
                } else if (FlowRecord::isFlow(e)) {
                    // A flow is a row too (source proxy); the trip and the graph read it.
                    rows_.push_back(RpcRecord::fromEvent(e));
                    isFlow_.push_back(1);
                    flows_.push_back(FlowRecord::fromEvent(e));
                }
            }
        }
    }
    events_.clear();
    if (drained == 0)
        return 0;

    accepted_.assign(rows_.size(), 0);
    size_t matchedCount = 0;
    const bool all = filter_.matchesAll();
    for (size_t i = 0; i < rows_.size(); ++i) {
        if (all || filter_.matches(rows_[i])) {
            accepted_[i] = 1;
            ++matchedCount;
        }
    }

    // Count everything, a small chunk per lock, so a reader on the GUI thread waits little.
    size_t flow = 0;
    for (size_t begin = 0; begin < rows_.size(); begin += kCountChunk) {
        const size_t end = std::min(rows_.size(), begin + kCountChunk);
        std::lock_guard lock(stateMutex_);
        for (size_t i = begin; i < end; ++i) {
            const RpcRecord& r = rows_[i];
            aggregate_.add(r);
            if (isFlow_[i] != 0)
                graph_.addFlow(flows_[flow++]);
            else
                graph_.addCall(r);
            if (accepted_[i] != 0 && r.isPlotted()) {
                series_.add(r);
                const int64_t second = r.timeUs / 1000000;
                if (second != lastDirty_) {
                    dirtySeconds_.insert(second);
                    lastDirty_ = second;
                }
            }
        }
    }
    if (!spans_.empty()) {
        std::lock_guard lock(stateMutex_);
        for (const auto& span : spans_)
            graph_.addSpan(span);  // parent/child edges across services (SpanLinks)
    }
    handOver(matchedCount, drained);
    return drained;
}

void TelemetryIngest::handOver(size_t matchedCount, size_t events) {
    const auto now = std::chrono::steady_clock::now();
    const double dt = std::chrono::duration<double>(now - refilled_).count();
    refilled_ = now;
    // At most a quarter second of rows at once: a burst after a quiet spell is shown whole.
    tokens_ = std::min(tokens_ + dt * rowsPerSecond_, rowsPerSecond_ / 4);

    keep_.clear();
    uint64_t skipped = 0;
    if (static_cast<double>(rows_.size()) <= tokens_) {
        // The view keeps up: every row, matching or not, so a later filter sees them all.
        keep_.swap(rows_);
    } else {
        // Only rows the filter accepts; every N-th when even those are too many.
        const double budget = std::floor(tokens_);
        const uint64_t stride =
            static_cast<double>(matchedCount) <= budget
                ? 1
                : (budget >= 1 ? static_cast<uint64_t>(
                                     std::ceil(static_cast<double>(matchedCount) / budget))
                               : 0);
        for (size_t i = 0; i < rows_.size(); ++i) {
            if (accepted_[i] == 0)
                continue;
            // At random, 1 in `stride`: every N-th would alias with a regular stream (client
            // and server ends alternate, so an even N showed one end only).
            if (stride != 0 && pick_() % stride == 0)
                keep_.push_back(std::move(rows_[i]));
            else
                ++skipped;
        }
    }
    tokens_ = std::max(0.0, tokens_ - static_cast<double>(keep_.size()));

    std::lock_guard lock(outMutex_);
    pending_.events += events;
    pending_.matched += matchedCount;
    pending_.skipped += skipped;
    if (pending_.rows.empty())
        pending_.rows.swap(keep_);  // keep_ gets the (empty) vector the GUI left: no moves
    else
        pending_.rows.insert(pending_.rows.end(), std::make_move_iterator(keep_.begin()),
                             std::make_move_iterator(keep_.end()));
    if (pending_.rows.size() > kMaxPendingRows) {
        // The GUI has not taken for a while (a modal dialog): the oldest rows go, counted.
        const size_t drop = pending_.rows.size() - kMaxPendingRows;
        pending_.rows.erase(pending_.rows.begin(),
                            pending_.rows.begin() + static_cast<std::ptrdiff_t>(drop));
        pending_.skipped += drop;
    }
    pending_.flows.insert(pending_.flows.end(), std::make_move_iterator(flows_.begin()),
                          std::make_move_iterator(flows_.end()));
    if (pending_.flows.size() > kMaxPendingFlows) {
        pending_.flows.erase(
            pending_.flows.begin(),
            pending_.flows.begin() +
                static_cast<std::ptrdiff_t>(pending_.flows.size() - kMaxPendingFlows));
    }
}

TelemetryIngest::Batch TelemetryIngest::take(size_t maxRows) {
    std::lock_guard lock(outMutex_);
    return takeLocked(maxRows);
}

bool TelemetryIngest::tryTake(Batch& out, size_t maxRows) {
    std::unique_lock lock(outMutex_, std::try_to_lock);
    if (!lock.owns_lock())
        return false;
    out = takeLocked(maxRows);
    return true;
}

TelemetryIngest::Batch TelemetryIngest::takeLocked(size_t maxRows) {
    Batch out;
    // A vector the worker freed (recycle()) becomes the next hand-over, so neither side grows a
    // fresh one per take.
    std::vector<RpcRecord> spare;
    if (!spares_.empty()) {
        spare = std::move(spares_.back());
        spares_.pop_back();
    }
    out.events = std::exchange(pending_.events, 0);
    out.matched = std::exchange(pending_.matched, 0);
    out.skipped = std::exchange(pending_.skipped, 0);
    out.flows.swap(pending_.flows);
    if (pending_.rows.size() <= maxRows) {
        out.rows.swap(pending_.rows);
        pending_.rows.swap(spare);
    } else {
        // The newest rows wait for the next take.
        out.rows.swap(spare);
        const auto split = pending_.rows.begin() + static_cast<std::ptrdiff_t>(maxRows);
        out.rows.insert(out.rows.end(), std::make_move_iterator(pending_.rows.begin()),
                        std::make_move_iterator(split));
        pending_.rows.erase(pending_.rows.begin(), split);
    }
    if (spare.capacity() > 0)
        spares_.push_back(std::move(spare));
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

bool TelemetryIngest::syncSeries(CallSeries& replica, uint64_t& generation, bool wait) {
    std::unique_lock lock(stateMutex_, std::defer_lock);
    if (wait)
        lock.lock();
    else if (!lock.try_lock())
        return false;
    if (generation != seriesGeneration_) {
        replica = series_;
        generation = seriesGeneration_;
    } else if (!dirtySeconds_.empty()) {
        replica.copyBuckets(series_, dirtySeconds_);
    }
    dirtySeconds_.clear();
    lastDirty_ = INT64_MIN;
    return true;
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
