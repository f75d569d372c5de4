#include "telemetry/watch/trip_matcher.h"

#include <algorithm>
#include <cstdlib>
#include <functional>

namespace meshx::telemetry {

namespace {

// A turn event is published after the RPC event of its request (when the next request on the
// connection starts, or the connection closes); a little earlier is allowed for clock steps.
constexpr int64_t kTurnSlackUs = 1'000'000;

// "watch-consumer-sidecar-proxy" is the sidecar of "watch-consumer".
bool sidecarOf(const std::string& proxyService, const std::string& service) {
    return service.empty() || proxyService.empty() || proxyService.rfind(service, 0) == 0;
}

// The accepted flow of a sidecar that carried the request: `fits` says it is the right path;
// among those, the latest accepted at or before the request (a pooled connection opens before
// the requests it carries), else the nearest in time.
const FlowRecord* carryingFlow(const std::deque<FlowRecord>& flows, int64_t timeUs,
                               const std::function<bool(const FlowRecord&)>& fits) {
    const FlowRecord* before = nullptr;
    const FlowRecord* nearest = nullptr;
    for (const auto& f : flows) {
        if (f.event != "accepted" || !fits(f))
            continue;
        if (f.timeUs <= timeUs && (before == nullptr || f.timeUs > before->timeUs))
            before = &f;
        if (nearest == nullptr || std::abs(f.timeUs - timeUs) < std::abs(nearest->timeUs - timeUs))
            nearest = &f;
    }
    return before != nullptr ? before : nearest;
}

// The turn numbered `turn` of a connection `fits` recognises, published first after `timeUs`
// (a port reused by a later connection gives a later turn with the same number).
const FlowRecord* turnOf(const std::deque<FlowRecord>& flows, uint64_t turn, int64_t timeUs,
                         const std::function<bool(const FlowRecord&)>& fits) {
    const FlowRecord* best = nullptr;
    for (auto it = flows.rbegin(); it != flows.rend(); ++it) {
        const FlowRecord& f = *it;
        if (!f.isTurn() || f.turn != turn || f.timeUs < timeUs - kTurnSlackUs || !fits(f))
            continue;
        if (best == nullptr || f.timeUs < best->timeUs)
            best = &f;
    }
    return best;
}

int64_t clampedDifference(int64_t whole, int64_t part) {
    return whole < 0 || part < 0 ? -1 : std::max<int64_t>(0, whole - part);
}

}  // namespace

int64_t SidecarHops::relayNs() const {
    int64_t sum = 0;
    for (int64_t ns : {clientRequestNs, providerRequestNs, providerAnswerNs, clientAnswerNs})
        sum += std::max<int64_t>(0, ns);
    return sum;
}

std::string TripMatcher::bareAddress(const std::string& address) {
    return address.rfind("tcp://", 0) == 0 ? address.substr(6) : address;
}

bool TripMatcher::sameRequest(const RpcRecord& client, const RpcRecord& server) {
    return client.reqRef && server.reqRef && *client.reqRef == *server.reqRef &&
           client.localConn == server.remoteConn && client.event == server.event;
}

const FlowRecord* TripMatcher::clientTurn(const RpcRecord& c, const std::deque<FlowRecord>& flows) {
    if (c.localAddress.empty() || c.turn == 0)
        return nullptr;
    return turnOf(flows, c.turn, c.timeUs, [&](const FlowRecord& f) {
        return !f.inbound() && f.src == c.localAddress && sidecarOf(f.proxyService, c.service);
    });
}

const FlowRecord* TripMatcher::providerTurn(const RpcRecord& s,
                                            const std::deque<FlowRecord>& flows) {
    if (s.peerAddress.empty() || s.turn == 0)
        return nullptr;
    const std::string provider = bareAddress(s.address);
    return turnOf(flows, s.turn, s.timeUs, [&](const FlowRecord& f) {
        return f.inbound() && f.dstLocal == s.peerAddress &&
               (f.dst.empty() || bareAddress(f.dst) == provider);
    });
}

SidecarHops TripMatcher::hops(const FlowRecord& ct, const FlowRecord& pt) {
    SidecarHops h;
    h.clientRequestNs = ct.requestNs;
    h.clientAnswerNs = ct.answerNs;
    h.providerRequestNs = pt.requestNs;
    h.providerWaitNs = pt.waitNs;
    h.providerAnswerNs = pt.answerNs;
    const bool whole = pt.requestNs >= 0 && pt.waitNs >= 0 && pt.answerNs >= 0;
    h.transitNs = whole ? clampedDifference(ct.waitNs, pt.requestNs + pt.waitNs + pt.answerNs) : -1;
    return h;
}

TripMatch TripMatcher::match(const RpcRecord& picked, const std::deque<RpcRecord>& history,
                             const std::deque<FlowRecord>& flows) {
    TripMatch m;
    const bool pickedClient = picked.source == "rpc.client";
    if (pickedClient)
        m.client = picked;
    else
        m.server = picked;
    if (!picked.isRequest() || !picked.reqRef)
        return m;
    // The other end is usually close by: search from the newest backwards.
    for (auto it = history.rbegin(); it != history.rend(); ++it) {
        const RpcRecord& r = *it;
        if (!r.isRequest() || !r.reqRef || *r.reqRef != *picked.reqRef)
            continue;
        if (pickedClient && r.source == "rpc.server" && sameRequest(picked, r)) {
            m.server = r;
            break;
        }
        if (!pickedClient && r.source == "rpc.client" && sameRequest(r, picked)) {
            m.client = r;
            break;
        }
    }
    const RpcRecord* c = m.client ? &*m.client : nullptr;
    const RpcRecord* s = m.server ? &*m.server : nullptr;

    // The connections: the client's sidecar (outbound, towards the provider's sidecar) and the
    // provider's (inbound, to the provider's address).
    if (c != nullptr) {
        const std::string target = s != nullptr ? s->localSvc : c->remoteSvc;
        if (const FlowRecord* f = carryingFlow(flows, c->timeUs, [&](const FlowRecord& x) {
                if (x.inbound() || !sidecarOf(x.proxyService, c->service))
                    return false;
                if (!c->localAddress.empty() && !x.src.empty())
                    return x.src == c->localAddress;  // exactly this connection
                return !target.empty() && x.instance.find("/" + target) != std::string::npos;
            }))
            m.clientFlow = *f;
    }
    if (s != nullptr) {
        if (const FlowRecord* f = carryingFlow(flows, s->timeUs, [&](const FlowRecord& x) {
                if (!x.inbound() || !sidecarOf(x.proxyService, s->service) ||
                    bareAddress(x.dst) != bareAddress(s->address))
                    return false;
                return s->peerAddress.empty() || x.dstLocal.empty() || x.dstLocal == s->peerAddress;
            }))
            m.providerFlow = *f;
    }

    // This request's turn in each sidecar.
    if (c != nullptr) {
        if (const FlowRecord* t = clientTurn(*c, flows))
            m.clientTurn = *t;
    }
    if (s != nullptr) {
        if (const FlowRecord* t = providerTurn(*s, flows))
            m.providerTurn = *t;
    }
    if (m.clientTurn && m.providerTurn && !m.clientTurn->dstLocal.empty() &&
        !m.providerTurn->src.empty() && m.clientTurn->dstLocal != m.providerTurn->src) {
        // Both sidecars carry the same mTLS connection: one of the two is a port reuse.
        m.providerTurn.reset();
        m.turnNote =
            "the provider sidecar's turn is on another connection than the client "
            "sidecar's";
    }
    if (m.turnNote.empty() && (!m.clientTurn || (s != nullptr && !m.providerTurn))) {
        const RpcRecord* end = c != nullptr ? c : s;
        if ((c != nullptr && (c->localAddress.empty() || c->turn == 0)) ||
            (c == nullptr && s != nullptr && (s->peerAddress.empty() || s->turn == 0))) {
            m.turnNote =
                "the RPC events carry no connection address or turn (an older meshx, "
                "or a unix socket)";
        } else if (end != nullptr) {
            m.turnNote =
                "no turn event of " +
                std::string(!m.clientTurn && c != nullptr ? "the client's sidecar"
                                                          : "the provider's sidecar") +
                " for this request: turn timing off there (meshx_turn_timing in the proxy or "
                "upstream Config, or MESHX_TURN_TIMING), its tap not read, the event dropped, or "
                "not published yet (a turn is published when the next request on its connection "
                "starts, or the connection closes)";
        }
    }
    return m;
}

}  // namespace meshx::telemetry
