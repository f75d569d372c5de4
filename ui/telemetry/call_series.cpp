#include "ui/telemetry/call_series.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

namespace meshx::ui {

void CallSeries::Cell::add(const telemetry::RpcRecord& r) {
    calls += 1;
    if (!r.ok())
        errors += 1;
    blocksSend += r.blocksSend;
    blocksRecv += r.blocksRecv;
    bytesSend += r.sizeSend;
    bytesRecv += r.sizeRecv;
    // ser/dser in ns: a small term takes well under a microsecond, which tSer/tDser lose.
    serNs += r.tSerNs != 0 ? r.tSerNs : r.tSer * 1000;
    dserNs += r.tDserNs != 0 ? r.tDserNs : r.tDser * 1000;
    exec += r.tExec;
    send += r.tSend;
    recv += r.tRecv;
    const auto us = static_cast<int32_t>(
        std::clamp<int64_t>(r.requestUs(), 0, std::numeric_limits<int32_t>::max()));
    if (samples.size() < kSamples) {
        samples.push_back(us);
    } else {
        // Beyond the bound keep a spread: overwrite a slot chosen by the call count.
        samples[static_cast<size_t>((calls * 2654435761u) % kSamples)] = us;
    }
}

void CallSeries::Cell::merge(const Cell& o) {
    calls += o.calls;
    errors += o.errors;
    blocksSend += o.blocksSend;
    blocksRecv += o.blocksRecv;
    bytesSend += o.bytesSend;
    bytesRecv += o.bytesRecv;
    serNs += o.serNs;
    dserNs += o.dserNs;
    exec += o.exec;
    send += o.send;
    recv += o.recv;
    samples.insert(samples.end(), o.samples.begin(), o.samples.end());
}

void CallSeries::add(const telemetry::RpcRecord& r) {
    if (!r.isPlotted())
        return;
    const int64_t second = r.timeUs / 1000000;
    if (!buckets_.empty() && second < buckets_.rbegin()->first - keep_)
        return;
    ++requests_;
    buckets_[second][r.instance()].add(r);
    const int64_t oldest = buckets_.rbegin()->first - keep_;
    while (!buckets_.empty() && buckets_.begin()->first < oldest)
        buckets_.erase(buckets_.begin());
}

void CallSeries::clear() {
    buckets_.clear();
    requests_ = 0;
}

void CallSeries::copyBuckets(const CallSeries& source, const std::set<int64_t>& seconds) {
    for (const int64_t second : seconds) {
        const auto it = source.buckets_.find(second);
        if (it == source.buckets_.end())
            buckets_.erase(second);
        else
            buckets_[second] = it->second;
    }
    requests_ = source.requests_;
    if (buckets_.empty())
        return;
    const int64_t oldest = buckets_.rbegin()->first - keep_;
    while (!buckets_.empty() && buckets_.begin()->first < oldest)
        buckets_.erase(buckets_.begin());
}

std::vector<std::string> CallSeries::instances() const {
    std::set<std::string> names;
    for (const auto& [second, bucket] : buckets_) {
        for (const auto& [name, cell] : bucket)
            names.insert(name);
    }
    return {names.begin(), names.end()};
}

double CallSeries::percentile(std::vector<int32_t>& samples, double p) {
    if (samples.empty())
        return 0;
    const double rank = std::ceil(p / 100.0 * static_cast<double>(samples.size()));
    const size_t k = static_cast<size_t>(std::clamp(rank, 1.0, double(samples.size()))) - 1;
    std::nth_element(samples.begin(), samples.begin() + static_cast<std::ptrdiff_t>(k),
                     samples.end());
    return samples[k];
}

}  // namespace meshx::ui
