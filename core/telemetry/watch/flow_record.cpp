#include "telemetry/watch/flow_record.h"

#include "telemetry/event_json.h"

namespace meshx::telemetry {

namespace {

std::string text(const nlohmann::json& obj, const char* key) {
    if (!obj.is_object())
        return {};
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null())
        return {};
    return it->is_string() ? it->get<std::string>() : it->dump();
}

int64_t number(const nlohmann::json& obj, const char* group, const char* key) {
    auto g = obj.find(group);
    if (g == obj.end() || !g->is_object())
        return 0;
    auto it = g->find(key);
    if (it == g->end() || !it->is_number())
        return 0;
    if (it->is_number_float())
        return static_cast<int64_t>(it->get<double>());
    return it->is_number_unsigned() ? static_cast<int64_t>(it->get<uint64_t>())
                                    : it->get<int64_t>();
}

// A turn's time in nanoseconds: metrics time_ns.KEY, else time.KEY (microseconds, maybe
// fractional); -1 when absent.
int64_t turnNanos(const nlohmann::json& metrics, const char* key) {
    if (auto g = metrics.find("time_ns"); g != metrics.end() && g->is_object()) {
        if (auto it = g->find(key); it != g->end() && it->is_number())
            return it->is_number_float() ? static_cast<int64_t>(it->get<double>())
                                         : it->get<int64_t>();
    }
    if (auto g = metrics.find("time"); g != metrics.end() && g->is_object()) {
        if (auto it = g->find(key); it != g->end() && it->is_number())
            return static_cast<int64_t>(it->get<double>() * 1000.0 + 0.5);
    }
    return -1;
}

}  // namespace

bool FlowRecord::isFlow(const Event& event) {
    return event.source == "proxy.flow";
}

std::string FlowRecord::serviceOfIdentity(const std::string& spiffe) {
    const auto at = spiffe.rfind("/svc/");
    return at == std::string::npos ? std::string() : spiffe.substr(at + 5);
}

bool FlowRecord::denied() const {
    return result == "refused" &&
           (reason.rfind("denied", 0) == 0 || intention.find("DENY") != std::string::npos);
}

std::string FlowRecord::caller() const {
    return inbound() ? serviceOfIdentity(peerId) : proxyService;
}

FlowRecord FlowRecord::fromEvent(const Event& e) {
    if (e.jsonPending()) {
        // A typed flow event straight off the bus (a few per connection): read its JSON shape.
        Event copy = e;
        event_json::materialize(copy);
        return fromEvent(copy);
    }
    FlowRecord f;
    f.seq = e.seq;
    f.timeUs = e.timeUs;
    f.event = e.name;
    const nlohmann::json& m = e.meta;
    if (auto p = m.find("process"); p != m.end() && p->is_object()) {
        f.process = text(*p, "program") + "[" + text(*p, "pid") + "]";
        f.proxyService = text(*p, "service_id");
    }
    if (auto r = m.find("flow_ref"); r != m.end() && r->is_number_integer())
        f.flowRef = r->get<uint64_t>();
    f.direction = text(m, "direction");
    f.service = text(m, "service");
    f.src = text(m, "src");
    f.dst = text(m, "dst");
    f.instance = text(m, "instance");
    f.peerId = text(m, "peer_id");
    f.intention = text(m, "intention");
    f.result = text(m, "result");
    f.reason = text(m, "reason");
    f.bytesToUpstream = number(e.metrics, "bytes", "to_upstream");
    f.bytesToDownstream = number(e.metrics, "bytes", "to_downstream");
    f.setupUs = number(e.metrics, "time", "setup");
    f.durationUs = number(e.metrics, "time", "duration");
    f.dstLocal = text(m, "dst_local");
    if (auto t = m.find("turn"); t != m.end() && t->is_number_integer())
        f.turn = t->get<uint64_t>();
    if (f.isTurn() && e.metrics.is_object()) {
        f.requestNs = turnNanos(e.metrics, "request");
        f.waitNs = turnNanos(e.metrics, "wait");
        f.answerNs = turnNanos(e.metrics, "answer");
    }
    return f;
}

}  // namespace meshx::telemetry
