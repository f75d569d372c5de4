#include "telemetry/watch/service_graph.h"

#include <algorithm>

namespace meshx::telemetry {

namespace {

// A filter-language string literal.
std::string quoted(const std::string& s) {
    std::string out = "\"";
    for (const char c : s) {
        if (c == '"' || c == '\\')
            out += '\\';
        out += c;
    }
    return out + "\"";
}

}  // namespace

void ServiceGraph::setServiceNames(std::map<std::string, std::string> names) {
    names_ = std::move(names);
}

std::string ServiceGraph::name(const std::string& id) const {
    auto it = names_.find(id);
    return it == names_.end() ? id : it->second;
}

std::string ServiceGraph::ownNode(const RpcRecord& r) const {
    if (!r.service.empty())
        return name(r.service);
    if (!r.process.empty()) {
        // "rpc-call[4242]" -> "rpc-call": one node per program, not per run.
        const auto at = r.process.find('[');
        return r.process.substr(0, at);
    }
    return name(r.localSvc);
}

ServiceGraph::EdgeState& ServiceGraph::edge(const std::string& from, const std::string& to) {
    EdgeState& e = edges_[{from, to}];
    if (e.totals.from.empty()) {
        e.totals.from = from;
        e.totals.to = to;
    }
    return e;
}

void ServiceGraph::addCall(const RpcRecord& r) {
    if (!r.isRequest())
        return;
    if (r.source != "rpc.client") {
        const std::string own = ownNode(r);
        if (!own.empty())
            nodes_[own] = std::max(nodes_[own], r.timeUs);
        return;
    }
    const std::string from = ownNode(r);
    const std::string to = name(r.remoteSvc);
    if (from.empty() || to.empty())
        return;
    EdgeState& e = edge(from, to);
    ++e.totals.calls;
    if (!r.ok())
        ++e.totals.errors;
    e.totals.lastUs = std::max(e.totals.lastUs, r.timeUs);
    if (e.totals.filter.empty()) {
        std::string f = "source == rpc.client and ";
        f += !r.service.empty() ? "service == " + quoted(r.service)
                                : "process contains " + quoted(from);
        e.totals.filter = f + " and remote.svc_ref == " + quoted(r.remoteSvc);
    }
    e.window.add(r.timeUs, r.requestUs(), r.ok());
    nodes_[from] = std::max(nodes_[from], r.timeUs);
    nodes_[to] = std::max(nodes_[to], r.timeUs);
}

void ServiceGraph::addFlow(const FlowRecord& f) {
    // A connection is seen by both sidecars; the provider's (inbound) one decides and knows the
    // caller's identity, so only inbound flows make flow edges.
    if (!f.inbound() || f.isTurn())  // a turn is one request, not a connection
        return;
    std::string from = name(f.caller());
    if (from.empty())
        from = "(unidentified)";  // no TLS identity: the handshake failed
    const std::string to = name(f.service.empty() ? f.proxyService : f.service);
    if (to.empty())
        return;
    EdgeState& e = edge(from, to);
    e.totals.lastUs = std::max(e.totals.lastUs, f.timeUs);
    nodes_[from] = std::max(nodes_[from], f.timeUs);
    nodes_[to] = std::max(nodes_[to], f.timeUs);
    if (f.event == "closed") {
        e.totals.bytes += f.bytesToUpstream + f.bytesToDownstream;
        return;
    }
    ++e.totals.flows;
    if (f.denied()) {
        ++e.totals.denied;
        e.totals.lastDenial = f.intention.empty() ? f.reason : f.intention;
    }
}

void ServiceGraph::addSpan(const Event& event) {
    auto span = SpanLinks::fromEvent(event);
    if (!span)
        return;
    if (!span->service.empty()) {
        const std::string own = name(span->service);
        nodes_[own] = std::max(nodes_[own], span->timeUs);
    }
    for (const SpanLinks::Link& l : spans_.add(*span)) {
        const std::string from = name(l.from), to = name(l.to);
        EdgeState& e = edge(from, to);
        ++e.totals.calls;
        ++e.totals.spans;
        if (l.error)
            ++e.totals.errors;
        e.totals.lastUs = std::max(e.totals.lastUs, l.timeUs);
        if (e.totals.filter.empty())
            e.totals.filter = "source == otlp and local.svc_ref == " + quoted(l.to);
        e.window.add(l.timeUs, l.durationUs, !l.error);
        nodes_[from] = std::max(nodes_[from], l.timeUs);
        nodes_[to] = std::max(nodes_[to], l.timeUs);
    }
}

void ServiceGraph::clear() {
    edges_.clear();
    nodes_.clear();
    spans_.clear();
}

ServiceGraph::Snapshot ServiceGraph::snapshot(int64_t nowUs) const {
    Snapshot s;
    for (const auto& [n, last] : nodes_)
        s.nodes.push_back(n);
    for (const auto& [key, st] : edges_) {
        Edge e = st.totals;
        const EdgeWindow::Stats w = st.window.stats(nowUs);
        e.callsPerSec = w.callsPerSec;
        e.errorRate = w.calls > 0 ? double(w.errors) / double(w.calls) : 0;
        e.p99Us = w.p99Us;
        s.edges.push_back(std::move(e));
    }
    return s;
}

size_t ServiceGraph::windowBytes() const {
    size_t n = 0;
    for (const auto& [key, st] : edges_)
        n += st.window.bytes();
    return n;
}

}  // namespace meshx::telemetry
