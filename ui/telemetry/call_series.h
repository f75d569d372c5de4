#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "telemetry/rpc_record.h"

namespace meshx::ui {

// Per-second buckets of RPC requests (call/cast records) for the plots, split by serving
// instance (RpcRecord::instance()). Each bucket keeps counts, sums and a bounded sample of
// request times (at most kSamples per instance and second, every n-th kept beyond that) for the
// percentiles, so a flood costs the same memory as a trickle. Buckets older than `keepSeconds`
// behind the newest are dropped.
// Thread: one owner at a time (the ingest worker under its lock; the plots' replica on the GUI
// thread).
class CallSeries {
  public:
    static constexpr size_t kSamples = 512;

    struct Cell {
        uint64_t calls = 0, errors = 0;
        int64_t blocksSend = 0, blocksRecv = 0, bytesSend = 0, bytesRecv = 0;
        int64_t serNs = 0, dserNs = 0;         // nanoseconds
        int64_t exec = 0, send = 0, recv = 0;  // microseconds
        std::vector<int32_t> samples;          // request times in us

        void add(const telemetry::RpcRecord& r);
        void merge(const Cell& other);
    };
    using Bucket = std::map<std::string, Cell>;  // instance -> cell

    explicit CallSeries(int64_t keepSeconds = 900) : keep_(keepSeconds) {}

    // Adds `record` when it is a request; other events are ignored.
    void add(const telemetry::RpcRecord& record);
    void clear();
    // Replaces the buckets of `seconds` with `source`'s (removing those it no longer has) and
    // takes its request count: how a replica on the GUI thread follows the ingest's series.
    void copyBuckets(const CallSeries& source, const std::set<int64_t>& seconds);

    const std::map<int64_t, Bucket>& buckets() const { return buckets_; }
    // Instances seen in the kept buckets, sorted.
    std::vector<std::string> instances() const;
    uint64_t requests() const { return requests_; }
    // The newest second with data, or 0.
    int64_t lastSecond() const { return buckets_.empty() ? 0 : buckets_.rbegin()->first; }

    // The p-th percentile (0..100) of `samples`, nearest rank; 0 when empty. Reorders samples.
    static double percentile(std::vector<int32_t>& samples, double p);

  private:
    int64_t keep_;
    std::map<int64_t, Bucket> buckets_;
    uint64_t requests_ = 0;
};

}  // namespace meshx::ui
