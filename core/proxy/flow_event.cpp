#include "proxy/flow_event.h"

#include <atomic>

#include "telemetry/event.h"
#include "telemetry/telemetry_bus.h"

namespace meshx::proxy {

namespace {

constexpr const char* kSource = "proxy.flow";

int64_t micros(FlowRecord::Clock::duration d) {
    return std::chrono::duration_cast<std::chrono::microseconds>(d).count();
}

telemetry::Event baseEvent(const FlowRecord& flow, const char* name) {
    telemetry::Event e;
    e.source = kSource;
    e.name = name;
    e.meta = {{"flow_ref", flow.ref}, {"direction", flow.direction}, {"service", flow.service}};
    auto put = [&e](const char* key, const std::string& value) {
        if (!value.empty()) {
            e.meta[key] = value;
        }
    };
    put("src", flow.src);
    put("dst", flow.dst);
    put("instance", flow.instance);
    put("peer_id", flow.peerId);
    put("intention", flow.intention);
    if (flow.attempts > 0) {
        e.meta["attempts"] = flow.attempts;
    }
    return e;
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
    e.meta["result"] = "ok";
    e.metrics = {{"time", {{"setup", micros(flow.acceptedAt - flow.started)}}}};
    telemetry::TelemetryBus::global().publish(std::move(e));
}

void FlowEvents::refused(const FlowRecord& flow, const std::string& reason) {
    if (!enabled()) {
        return;
    }
    telemetry::Event e = baseEvent(flow, "refused");
    e.meta["result"] = "refused";
    e.meta["reason"] = reason;
    e.metrics = {{"time", {{"duration", micros(FlowRecord::Clock::now() - flow.started)}}}};
    telemetry::TelemetryBus::global().publish(std::move(e));
}

void FlowEvents::closed(const FlowRecord& flow, uint64_t toUpstream, uint64_t toDownstream,
                        const std::string& reason) {
    if (!enabled()) {
        return;
    }
    const auto now = FlowRecord::Clock::now();
    telemetry::Event e = baseEvent(flow, "closed");
    e.meta["result"] = "ok";
    e.meta["reason"] = reason;
    e.metrics = {{"bytes", {{"to_upstream", toUpstream}, {"to_downstream", toDownstream}}},
                 {"size", {{"send", toUpstream}, {"recv", toDownstream}}},
                 {"time",
                  {{"duration", micros(now - flow.started)},
                   {"setup", micros(flow.acceptedAt - flow.started)}}}};
    telemetry::TelemetryBus::global().publish(std::move(e));
}

}  // namespace meshx::proxy
