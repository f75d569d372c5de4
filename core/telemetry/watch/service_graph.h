#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "telemetry/rpc_record.h"
#include "telemetry/watch/edge_window.h"
#include "telemetry/watch/flow_record.h"
#include "telemetry/watch/span_links.h"

namespace meshx::telemetry {

// The live service graph: services as nodes, observed calls and sidecar flows as edges, with
// calls/s, error rate and p99 over a sliding window, and the intention denials seen per edge.
//
//   rpc.client call/cast  -> edge  caller -> callee     caller: the client process's service
//                                                       (or program), callee: remote.svc_ref
//   rpc.server call/cast  -> node  its service           (the client end counts the call)
//   inbound proxy.flow    -> edge  caller (peer SPIFFE id) -> fronted service: flows accepted
//                                  or refused, intention denials, bytes (closed)
//   otlp span             -> node  its service.name; and when its parent span belongs to another
//                                  service: edge parent's service -> its service, one call with
//                                  the child's duration and status (SpanLinks pairs them, in
//                                  whatever order they arrive)
//
// Service ids are mapped to names with setServiceNames() (several instances, one node; a
// sidecar's id to the service it fronts). Not thread-safe: one owner (the GUI thread).
class ServiceGraph {
  public:
    // Rates and p99 over the last 10 s (EdgeWindow: per-second counts, exact calls/s at any
    // rate; the p99 exact for a few calls, within 1/32 from a histogram beyond).
    static constexpr int64_t kWindowUs = EdgeWindow::kWindowSeconds * 1'000'000;

    struct Edge {
        std::string from, to;
        double callsPerSec = 0;          // over the window (since the first call when newer)
        double errorRate = 0;            // errors / calls over the window, 0..1
        int64_t p99Us = 0;               // of t.req over the window (client end)
        uint64_t calls = 0, errors = 0;  // since start
        uint64_t flows = 0, denied = 0;  // sidecar flows since start, refused by an intention
        std::string lastDenial;          // the deciding intention / reason of the last denial
        int64_t bytes = 0;               // both ways, flows
        int64_t lastUs = 0;              // newest event on the edge
        uint64_t spans = 0;              // of `calls`, parent/child OpenTelemetry span pairs
        // The stream filter that shows this edge's RPC events (or, for span edges, the child
        // service's spans).
        std::string filter;
    };
    struct Snapshot {
        std::vector<std::string> nodes;
        std::vector<Edge> edges;
    };

    // Service id -> name (instances and sidecars); unknown ids stay as they are.
    void setServiceNames(std::map<std::string, std::string> names);
    void addCall(const RpcRecord& record);
    void addFlow(const FlowRecord& flow);
    // A received OTLP span event (source "otlp"; any other event is ignored): its service as a
    // node, and the calls it completes with its parent or its waiting children as edges.
    void addSpan(const Event& event);
    // The span pairing's counters (linked, waiting, given up).
    SpanLinks::Stats spanStats() const { return spans_.stats(); }
    void clear();
    // Edges and nodes with rates over [nowUs - kWindowUs, nowUs]. Sorted by names.
    Snapshot snapshot(int64_t nowUs) const;

    // The node name of a record's own end: its service (mapped), else its process.
    std::string ownNode(const RpcRecord& record) const;
    // Bytes the edges' windows hold: at most about 34 KiB per edge whatever the rate.
    size_t windowBytes() const;

  private:
    struct EdgeState {
        Edge totals;
        EdgeWindow window;
    };
    std::string name(const std::string& id) const;
    EdgeState& edge(const std::string& from, const std::string& to);

    std::map<std::string, std::string> names_;
    std::map<std::pair<std::string, std::string>, EdgeState> edges_;
    std::map<std::string, int64_t> nodes_;
    SpanLinks spans_;
};

}  // namespace meshx::telemetry
