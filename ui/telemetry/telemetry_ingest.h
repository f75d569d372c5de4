#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "telemetry/filter/event_filter.h"
#include "telemetry/rpc_aggregate.h"
#include "telemetry/rpc_record.h"
#include "telemetry/watch/flow_record.h"
#include "telemetry/watch/service_graph.h"
#include "ui/telemetry/call_series.h"

namespace meshx::telemetry {
class Subscription;
}

namespace meshx::ui {

// The telemetry page's ingest, off the GUI thread: a worker drains the bus and the taps' queue
// every kPassMs, flattens each event once and counts it exactly — Prometheus aggregate, service
// graph, the filtered plot series — then hands the GUI a bounded batch of rows to show.
//
//   bus / taps --drainTyped--> worker pass: flatten, count everything (stateMutex_)
//                                  |  rows: all while the view keeps up, else 1 in N
//                                  v
//                         pending_ (bounded)  --take(), ~15 Hz-->  GUI: model, held rows
//
// The view can show at most `rowsPerSecond` rows a second (a token bucket). A pass whose rows
// fit is handed over whole (history complete, as before); otherwise only rows the filter
// accepts, 1 in N of them chosen at random, and the skipped ones are counted so the view can say
// so. Counters, aggregates, graph and plot buckets never sample. Memory is bounded: pending rows
// (kMaxPendingRows), plot buckets (CallSeries: window x instances x 512 samples), graph
// (ServiceGraph's bounds), the sources' queues.
//
// Threads: the worker owns passes; a pass holds workMutex_ (so the GUI can hold passes while it
// swaps the filter) and takes stateMutex_ per chunk to update the counters, which the GUI reads
// under the same mutex (Prometheus text, graph snapshot, plot buckets) without waiting for a
// whole pass. The GUI's timers use the try-variants (tryTake, syncSeries without waiting): when
// the worker holds the lock — or was preempted holding it on a busy machine — the GUI skips that
// tick instead of waiting.
//
// Memory churn stays off the GUI thread: the worker allocates every row; the view gives the
// rows it is done with back (recycle(): the history's trimmed records), and the worker frees
// them and reuses their vector as the next hand-over (spares_), so in a steady flood the GUI
// thread neither frees the worker's strings nor grows a fresh vector per take. The pass's
// vectors are reserved once (kPassMax) and kept.
class TelemetryIngest {
  public:
    static constexpr size_t kChunk = 1024;           // events drained at a time
    static constexpr size_t kCountChunk = 256;       // events counted per hold of stateMutex_
    static constexpr size_t kPassMax = 4096;         // events per pass at most (bounds a hold)
    static constexpr int kPassMs = 10;               // the worker's cadence when idle
    static constexpr size_t kRowsPerSecond = 20000;  // rows handed to the view at most
    // Rows waiting for the view: about 0.8 s of its budget (beyond, the oldest are dropped and
    // counted as sampled out), so a view that takes fewer rows for a while (a modal dialog, a
    // loaded machine) costs bounded memory, not a growing backlog to fault in.
    static constexpr size_t kMaxPendingRows = 16384;
    static constexpr size_t kMaxPendingFlows = 20000;

    // What the GUI takes: rows to show (oldest first), every flow, and exact counts.
    struct Batch {
        std::vector<telemetry::RpcRecord> rows;
        std::vector<telemetry::FlowRecord> flows;
        uint64_t events = 0;   // drained from the bus and the taps
        uint64_t matched = 0;  // streamed events (RPC, spans, flows) the filter accepted
        uint64_t skipped = 0;  // accepted rows not handed over (sampled out)
    };

    // `sources` are drained in order (this process's bus first, then the taps). Starts the
    // worker. GUI thread.
    explicit TelemetryIngest(std::vector<std::shared_ptr<telemetry::Subscription>> sources,
                             size_t rowsPerSecond = kRowsPerSecond);
    // Stops and joins the worker. GUI thread.
    ~TelemetryIngest();
    TelemetryIngest(const TelemetryIngest&) = delete;
    TelemetryIngest& operator=(const TelemetryIngest&) = delete;

    // Moves out what passes produced since the last take, at most `maxRows` rows (oldest first;
    // the rest wait for the next take, so one take costs the view a bounded time); never waits
    // for a pass. Any thread.
    Batch take(size_t maxRows = SIZE_MAX);
    // Like take(), into `out`, but returns false at once when the worker holds the hand-over
    // (the GUI's timer then tries again on its next tick). GUI thread.
    bool tryTake(Batch& out, size_t maxRows);
    // Rows the view is done with (trimmed from its history, or moved from): the worker frees
    // them on its next pass, off the caller's thread, and reuses the vector. Any thread.
    void recycle(std::vector<telemetry::RpcRecord>&& spent);
    // Runs passes on the caller's thread until the sources are empty (at most `maxEvents`),
    // serialised with the worker; then take() has everything that was queued. Any thread.
    void processNow(size_t maxEvents = 1000000);

    // Holds passes while `f` runs (the GUI swaps filter and plot base inside). Any thread.
    template <typename F>
    void withPassesHeld(F&& f) {
        std::lock_guard hold(workMutex_);
        f();
    }
    // The filter rows and plot buckets follow from now on, with `base` (buckets rebuilt from the
    // rows the view kept) as the plot series' start. Call inside withPassesHeld() after taking
    // what is pending, so no event is counted under both filters. Any thread.
    // Returns the series' new generation (see syncSeries()).
    uint64_t resetFilter(const telemetry::EventFilter& filter, CallSeries base);
    // Empties the plot series (Clear); returns its new generation. Any thread.
    uint64_t clearSeries();

    // Copies the plot buckets changed since the last sync into `replica` (all of them after a
    // reset: `generation` tracks which reset the replica has seen). With `wait` false, returns
    // false without copying when the worker is counting. Any thread.
    bool syncSeries(CallSeries& replica, uint64_t& generation, bool wait = true);
    // A copy of the Prometheus aggregate / its exposition text. Any thread.
    telemetry::RpcAggregate aggregate() const;
    std::string renderPrometheus() const;
    // The service graph's edges over the last window. Any thread.
    telemetry::ServiceGraph::Snapshot graphSnapshot(int64_t nowUs) const;
    // How the graph's pairing of received OTLP spans stands (linked, waiting, late, dropped).
    telemetry::SpanLinks::Stats spanStats() const;
    void setServiceNames(std::map<std::string, std::string> names);

  private:
    static constexpr size_t kMaxSpares = 2;
    static constexpr size_t kMaxSpareRows = 4 * kPassMax;  // a bigger vector is freed instead

    void run();
    // One pass of at most `max` events; returns how many were drained. Needs workMutex_.
    size_t passLocked(size_t max);
    // Frees the rows the view gave back and keeps their vectors as spares. Needs workMutex_.
    void freeRecycled();
    // Hands the pass's rows (rows_) to pending_: all of them, the accepted ones, or 1 in N
    // accepted ones, as the row budget allows. Needs workMutex_.
    void handOver(size_t matchedCount, size_t events);
    Batch takeLocked(size_t maxRows);  // needs outMutex_

    const std::vector<std::shared_ptr<telemetry::Subscription>> sources_;
    const double rowsPerSecond_;

    std::mutex workMutex_;  // one pass at a time; held by the GUI while it swaps the filter
    // Under workMutex_: the filter, the row budget and the pass's vectors (kept across passes).
    telemetry::EventFilter filter_;
    double tokens_ = 0;
    std::chrono::steady_clock::time_point refilled_;
    std::minstd_rand pick_;  // which accepted rows are kept when sampling
    std::vector<telemetry::Event> events_;
    std::vector<telemetry::RpcRecord> rows_;
    std::vector<telemetry::FlowRecord> flows_;
    std::vector<uint8_t> isFlow_, accepted_;
    std::vector<telemetry::Event> spans_;  // received OTLP spans, for the graph's span edges
    std::vector<telemetry::RpcRecord> keep_;

    std::mutex recycleMutex_;  // rows the view gave back, freed by the next pass
    std::vector<std::vector<telemetry::RpcRecord>> recycled_;

    mutable std::mutex stateMutex_;  // the exact counters
    telemetry::RpcAggregate aggregate_;
    telemetry::ServiceGraph graph_;
    CallSeries series_;
    std::set<int64_t> dirtySeconds_;
    int64_t lastDirty_ = INT64_MIN;
    uint64_t seriesGeneration_ = 1;

    std::mutex outMutex_;  // what the GUI takes
    Batch pending_;
    std::vector<std::vector<telemetry::RpcRecord>> spares_;  // empty, with capacity

    std::mutex wakeMutex_;
    std::condition_variable wake_;
    bool stop_ = false;
    std::thread worker_;
};

}  // namespace meshx::ui
