#include "proxy/flow_event.h"

#include <sys/socket.h>

#include <atomic>
#include <cstdlib>
#include <cstring>

#include "proxy/socket_address.h"
#include "telemetry/event.h"
#include "telemetry/telemetry_bus.h"

namespace meshx::proxy {

namespace {

constexpr const char* kSource = "proxy.flow";

int64_t micros(FlowRecord::Clock::duration d) {
    return std::chrono::duration_cast<std::chrono::microseconds>(d).count();
}

// What names a flow and its two ends: every flow event carries it, the per-request turn event
// nothing more.
void copyEnds(const FlowRecord& flow, telemetry::FlowEventData& d) {
    d.flowRef = flow.ref;
    d.direction = flow.direction;
    d.service = flow.service;
    d.src = flow.src;
    d.dst = flow.dst;
    d.dstLocal = flow.dstLocal;
}

// A typed event (telemetry/flow_event_data.h): plain copies on the loop thread, no JSON tree;
// the tap makes the documented JSON on its own thread.
telemetry::Event baseEvent(const FlowRecord& flow, const char* name) {
    telemetry::Event e{telemetry::Event::TypedTag{}};
    e.source = kSource;
    e.name = name;
    telemetry::FlowEventData& d = e.payload.emplace<telemetry::FlowEventData>();
    copyEnds(flow, d);
    d.instance = flow.instance;
    d.peerId = flow.peerId;
    d.intention = flow.intention;
    d.attempts = flow.attempts;
    return e;
}

telemetry::FlowEventData& data(telemetry::Event& e) {
    return std::get<telemetry::FlowEventData>(e.payload);
}

int64_t nanosBetween(FlowRecord::Clock::time_point from, FlowRecord::Clock::time_point to) {
    if (from.time_since_epoch().count() == 0 || to.time_since_epoch().count() == 0) {
        return -1;  // not seen
    }
    return std::chrono::duration_cast<std::chrono::nanoseconds>(to - from).count();
}

std::string socketName(int fd, bool peer) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    auto* sa = reinterpret_cast<sockaddr*>(&ss);
    if (fd < 0 || (peer ? ::getpeername(fd, sa, &len) : ::getsockname(fd, sa, &len)) != 0) {
        return {};
    }
    return SocketAddress::fromSockaddr(sa, len).toString();
}

}  // namespace

uint64_t FlowRecord::nextRef() {
    static std::atomic<uint64_t> next{1};
    return next.fetch_add(1, std::memory_order_relaxed);
}

bool FlowEvents::enabled() {
    return telemetry::TelemetryBus::global().hasSubscribers();
}

void FlowEvents::accepted(FlowRecord& flow) {
    flow.acceptedAt = FlowRecord::Clock::now();
    if (!enabled()) {
        return;
    }
    telemetry::Event e = baseEvent(flow, "accepted");
    data(e).result = "ok";
    data(e).setupUs = micros(flow.acceptedAt - flow.started);
    telemetry::TelemetryBus::global().publish(std::move(e));
}

void FlowEvents::refused(const FlowRecord& flow, const std::string& reason) {
    if (!enabled()) {
        return;
    }
    telemetry::Event e = baseEvent(flow, "refused");
    data(e).result = "refused";
    data(e).reason = reason;
    data(e).durationUs = micros(FlowRecord::Clock::now() - flow.started);
    telemetry::TelemetryBus::global().publish(std::move(e));
}

void FlowEvents::closed(const FlowRecord& flow, uint64_t toUpstream, uint64_t toDownstream,
                        const std::string& reason) {
    if (!enabled()) {
        return;
    }
    const auto now = FlowRecord::Clock::now();
    telemetry::Event e = baseEvent(flow, "closed");
    telemetry::FlowEventData& d = data(e);
    d.result = "ok";
    d.reason = reason;
    d.toUpstream = toUpstream;
    d.toDownstream = toDownstream;
    d.durationUs = micros(now - flow.started);
    d.setupUs = micros(flow.acceptedAt - flow.started);
    telemetry::TelemetryBus::global().publish(std::move(e));
}

void FlowEvents::turn(const FlowRecord& flow, const TurnTimes& t) {
    if (!enabled()) {
        return;
    }
    // Per request: only what pairs the turn with its connection and the RPC ends (the instance,
    // identity and intention are on the flow's accepted event), so the strings stay short.
    telemetry::Event e{telemetry::Event::TypedTag{}};
    e.source = kSource;
    e.name = "turn";
    telemetry::FlowEventData& d = e.payload.emplace<telemetry::FlowEventData>();
    copyEnds(flow, d);
    d.result = "ok";
    d.turn = t.turn;
    d.toUpstream = t.requestBytes;
    d.toDownstream = t.answerBytes;
    d.requestNs = nanosBetween(t.requestRead, t.requestWritten);
    d.waitNs = nanosBetween(t.requestWritten, t.answerRead);
    d.answerNs = nanosBetween(t.answerRead, t.answerWritten);
    telemetry::TelemetryBus::global().publish(std::move(e));
}

FlowTurns::FlowTurns(const FlowRecord& flow)
    : flow_(flow), bus_(telemetry::TelemetryBus::global()) {}

bool FlowTurns::wantTurnTimes() {
    return bus_.hasSubscribers();
}

void FlowEvents::noteAddresses(FlowRecord& flow, int downstreamFd, int upstreamFd) {
    if (flow.src.empty()) {
        flow.src = socketName(downstreamFd, true);
    }
    flow.dstLocal = socketName(upstreamFd, false);
}

bool FlowEvents::turnTimingEverywhere() {
    static const bool everywhere = [] {
        const char* v = std::getenv("MESHX_TURN_TIMING");
        return v != nullptr && (std::strcmp(v, "1") == 0 || std::strcmp(v, "true") == 0 ||
                                std::strcmp(v, "on") == 0);
    }();
    return everywhere;
}

}  // namespace meshx::proxy
