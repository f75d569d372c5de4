#include "telemetry/rpc_aggregate.h"

#include <cstdio>

namespace meshx::telemetry {

namespace {

std::string escapeLabel(const std::string& v) {
    std::string out;
    out.reserve(v.size());
    for (char c : v) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out.push_back(c);
    }
    return out;
}

std::string seconds(int64_t us) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "%.6f", static_cast<double>(us) / 1e6);
    return buf;
}

std::string secondsOfNs(int64_t ns) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "%.9f", static_cast<double>(ns) / 1e9);
    return buf;
}

std::string bound(double b) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", b);
    return buf;
}

}  // namespace

void RpcAggregate::add(const RpcRecord& r) {
    events_[{r.source, r.event}] += 1;
    if (!r.isRequest())
        return;
    ++requests_;
    Series& s = series_[Key{r.source, r.fun, r.instance(), r.process, r.service}];
    s.count += 1;
    if (!r.ok())
        s.errors += 1;
    // ser/dser in ns: a small term's (de)serialization takes well under a microsecond.
    s.serNs += r.tSerNs != 0 ? r.tSerNs : r.tSer * 1000;
    s.dserNs += r.tDserNs != 0 ? r.tDserNs : r.tDser * 1000;
    s.exec += r.tExec;
    s.send += r.tSend;
    s.recv += r.tRecv;
    const int64_t req = r.requestUs();
    s.reqUs += req;
    s.bytesSend += r.sizeSend;
    s.bytesRecv += r.sizeRecv;
    s.blocksSend += r.blocksSend;
    s.blocksRecv += r.blocksRecv;
    const double secs = static_cast<double>(req) / 1e6;
    for (size_t i = 0; i < kBuckets.size(); ++i) {
        if (secs <= kBuckets[i])
            s.buckets[i] += 1;
    }
}

void RpcAggregate::clear() {
    series_.clear();
    events_.clear();
    requests_ = 0;
}

std::string RpcAggregate::renderPrometheus() const {
    std::string out;
    auto labels = [](const Key& k) {
        std::string l = "source=\"" + escapeLabel(std::get<0>(k)) + "\",fun=\"" +
                        escapeLabel(std::get<1>(k)) + "\",instance=\"" +
                        escapeLabel(std::get<2>(k)) + "\"";
        if (!std::get<3>(k).empty())
            l += ",process=\"" + escapeLabel(std::get<3>(k)) + "\"";
        if (!std::get<4>(k).empty())
            l += ",service=\"" + escapeLabel(std::get<4>(k)) + "\"";
        return l;
    };
    out += "# HELP meshx_rpc_events_total RPC telemetry events seen, by source and event.\n";
    out += "# TYPE meshx_rpc_events_total counter\n";
    for (const auto& [k, n] : events_) {
        out += "meshx_rpc_events_total{source=\"" + escapeLabel(k.first) + "\",event=\"" +
               escapeLabel(k.second) + "\"} " + std::to_string(n) + "\n";
    }
    out += "# HELP meshx_rpc_requests_total RPC requests (call and cast) by outcome.\n";
    out += "# TYPE meshx_rpc_requests_total counter\n";
    for (const auto& [k, s] : series_) {
        out += "meshx_rpc_requests_total{" + labels(k) + ",result=\"ok\"} " +
               std::to_string(s.count - s.errors) + "\n";
        out += "meshx_rpc_requests_total{" + labels(k) + ",result=\"error\"} " +
               std::to_string(s.errors) + "\n";
    }
    out += "# HELP meshx_rpc_request_seconds Request time (ser+dser+exec+send+recv).\n";
    out += "# TYPE meshx_rpc_request_seconds histogram\n";
    for (const auto& [k, s] : series_) {
        for (size_t i = 0; i < kBuckets.size(); ++i) {
            out += "meshx_rpc_request_seconds_bucket{" + labels(k) + ",le=\"" + bound(kBuckets[i]) +
                   "\"} " + std::to_string(s.buckets[i]) + "\n";
        }
        out += "meshx_rpc_request_seconds_bucket{" + labels(k) + ",le=\"+Inf\"} " +
               std::to_string(s.count) + "\n";
        out += "meshx_rpc_request_seconds_sum{" + labels(k) + "} " + seconds(s.reqUs) + "\n";
        out +=
            "meshx_rpc_request_seconds_count{" + labels(k) + "} " + std::to_string(s.count) + "\n";
    }
    out += "# HELP meshx_rpc_phase_seconds_total Time spent per phase of the requests.\n";
    out += "# TYPE meshx_rpc_phase_seconds_total counter\n";
    for (const auto& [k, s] : series_) {
        const std::pair<const char*, int64_t> phasesNs[] = {{"ser", s.serNs},
                                                            {"dser", s.dserNs},
                                                            {"exec", s.exec * 1000},
                                                            {"send", s.send * 1000},
                                                            {"recv", s.recv * 1000}};
        for (const auto& [phase, ns] : phasesNs) {
            out += "meshx_rpc_phase_seconds_total{" + labels(k) + ",phase=\"" + phase + "\"} " +
                   secondsOfNs(ns) + "\n";
        }
    }
    out += "# HELP meshx_rpc_bytes_total Bytes of the requests, by direction.\n";
    out += "# TYPE meshx_rpc_bytes_total counter\n";
    for (const auto& [k, s] : series_) {
        out += "meshx_rpc_bytes_total{" + labels(k) + ",direction=\"send\"} " +
               std::to_string(s.bytesSend) + "\n";
        out += "meshx_rpc_bytes_total{" + labels(k) + ",direction=\"recv\"} " +
               std::to_string(s.bytesRecv) + "\n";
    }
    out += "# HELP meshx_rpc_blocks_total Blocks of the requests, by direction.\n";
    out += "# TYPE meshx_rpc_blocks_total counter\n";
    for (const auto& [k, s] : series_) {
        out += "meshx_rpc_blocks_total{" + labels(k) + ",direction=\"send\"} " +
               std::to_string(s.blocksSend) + "\n";
        out += "meshx_rpc_blocks_total{" + labels(k) + ",direction=\"recv\"} " +
               std::to_string(s.blocksRecv) + "\n";
    }
    return out;
}

}  // namespace meshx::telemetry
