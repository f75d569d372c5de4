#include "telemetry/event_json.h"

#include <charconv>
#include <initializer_list>
#include <utility>

namespace meshx::telemetry::event_json {

namespace {

std::string dumpJson(const nlohmann::json& j) {
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

nlohmann::json refsJson(const std::string& connRefBase64, const std::string& node,
                        const std::string& svc) {
    return {{"conn_ref", connRefBase64}, {"node_ref", node}, {"svc_ref", svc}};
}

template <typename Int>
void appendInt(std::string& out, Int v) {
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
}

void appendMicros(std::string& out, int64_t ns) {
    if (ns % 1000 == 0) {
        appendInt(out, ns / 1000);
    } else {
        out += dumpJson(nlohmann::json(static_cast<double>(ns) / 1000.0));
    }
}

// Keys are written in nlohmann's (sorted) order, so the bytes equal a dump of rpcMetrics().
void appendRpcMetrics(std::string& out, const RpcMeasurements& m) {
    out += R"({"blocks":{"recv":)";
    appendInt(out, m.blocksRecv);
    out += R"(,"send":)";
    appendInt(out, m.blocksSend);
    out += R"(},"size":{"recv":)";
    appendInt(out, m.sizeRecv);
    out += R"(,"send":)";
    appendInt(out, m.sizeSend);
    out += R"(},"time":{"dser":)";
    appendMicros(out, m.dserNs);
    out += R"(,"exec":)";
    appendInt(out, m.exec);
    out += R"(,"hsk":)";
    appendInt(out, m.hsk);
    out += R"(,"idle":)";
    appendInt(out, m.idle);
    out += R"(,"recv":)";
    appendInt(out, m.recv);
    out += R"(,"send":)";
    appendInt(out, m.send);
    out += R"(,"ser":)";
    appendMicros(out, m.serNs);
    out += R"(},"time_ns":{"dser":)";
    appendInt(out, m.dserNs);
    out += R"(,"ser":)";
    appendInt(out, m.serNs);
    out += "}}";
}

void appendRefs(std::string& out, const std::string& conn, const std::string& node,
                const std::string& svc) {
    out += R"({"conn_ref":)";
    appendString(out, conn);
    out += R"(,"node_ref":)";
    appendString(out, node);
    out += R"(,"svc_ref":)";
    appendString(out, svc);
    out += '}';
}

const RpcEndpoint& endpointOf(const RpcEventData& rpc) {
    static const RpcEndpoint kNone;
    return rpc.local ? *rpc.local : kNone;
}

void appendRpcMeta(std::string& out, const RpcEventData& rpc, const std::string& eventName) {
    const RpcEndpoint& local = endpointOf(rpc);
    out += R"({"address":)";
    appendString(out, local.address);
    if (!rpc.funName.empty()) {
        out += R"(,"fun_name":)";
        appendString(out, rpc.funName);
        out += eventName == "cast" ? R"(,"fun_req":"cast")" : R"(,"fun_req":"call")";
    }
    out += R"(,"hsk_ref":)";
    appendInt(out, rpc.hskRef);
    out += R"(,"local":)";
    appendRefs(out, local.connRef, local.nodeRef, local.svcRef);
    if (!rpc.localAddress.empty()) {
        out += R"(,"local_address":)";
        appendString(out, rpc.localAddress);
    }
    if (!rpc.peerAddress.empty()) {
        out += R"(,"peer_address":)";
        appendString(out, rpc.peerAddress);
    }
    out += R"(,"prefix":[)";
    for (size_t i = 0; i < local.prefix.size(); ++i) {
        if (i > 0) {
            out += ',';
        }
        appendString(out, local.prefix[i]);
    }
    out += R"(],"remote":)";
    if (rpc.hasRemote) {
        appendRefs(out, base64Unpadded(rpc.remoteConnRaw), rpc.remoteNodeRef, rpc.remoteSvcRef);
    } else {
        out += "{}";
    }
    if (rpc.reqRef) {
        out += R"(,"req_ref":)";
        appendInt(out, *rpc.reqRef);
    }
    out += R"(,"result":)";
    appendString(out, rpc.result);
    out += R"(,"state":)";
    appendString(out, rpc.state);
    if (rpc.turn > 0) {
        out += R"(,"turn":)";
        appendInt(out, rpc.turn);
    }
    out += '}';
}

// A turn event (one per request per sidecar): written straight from the struct, in nlohmann's
// sorted key order, so the bytes equal a dump of flowMetrics() / flowMeta().
void appendTurnMetrics(std::string& out, const FlowEventData& f) {
    out += R"({"bytes":{"to_downstream":)";
    appendInt(out, f.toDownstream);
    out += R"(,"to_upstream":)";
    appendInt(out, f.toUpstream);
    out += R"(},"size":{"recv":)";
    appendInt(out, f.toDownstream);
    out += R"(,"send":)";
    appendInt(out, f.toUpstream);
    const std::pair<const char*, int64_t> times[] = {
        {"answer", f.answerNs}, {"request", f.requestNs}, {"wait", f.waitNs}};
    for (const bool micros : {true, false}) {
        out += micros ? R"(},"time":{)" : R"(},"time_ns":{)";
        bool first = true;
        for (const auto& [key, ns] : times) {
            if (ns < 0) {
                continue;
            }
            out += first ? "\"" : ",\"";
            first = false;
            out += key;
            out += "\":";
            if (micros) {
                appendMicros(out, ns);
            } else {
                appendInt(out, ns);
            }
        }
    }
    out += "}}";
}

void appendTurnMeta(std::string& out, const FlowEventData& f) {
    out += '{';
    if (f.attempts > 0) {
        out += R"("attempts":)";
        appendInt(out, f.attempts);
        out += ',';
    }
    out += R"("direction":)";
    appendString(out, f.direction);
    auto put = [&out](const char* key, const std::string& value) {
        if (!value.empty()) {
            out += ",\"";
            out += key;
            out += "\":";
            appendString(out, value);
        }
    };
    put("dst", f.dst);
    put("dst_local", f.dstLocal);
    out += R"(,"flow_ref":)";
    appendInt(out, f.flowRef);
    put("instance", f.instance);
    put("intention", f.intention);
    put("peer_id", f.peerId);
    out += R"(,"result":)";
    appendString(out, f.result);
    out += R"(,"service":)";
    appendString(out, f.service);
    put("src", f.src);
    out += R"(,"turn":)";
    appendInt(out, f.turn);
    out += '}';
}

}  // namespace

nlohmann::json microsOf(int64_t ns) {
    if (ns % 1000 == 0) {
        return ns / 1000;
    }
    return static_cast<double>(ns) / 1000.0;
}

nlohmann::json rpcMetrics(const RpcEventData& rpc) {
    const RpcMeasurements& m = rpc.metrics;
    return {
        {"blocks", {{"send", m.blocksSend}, {"recv", m.blocksRecv}}},
        {"size", {{"send", m.sizeSend}, {"recv", m.sizeRecv}}},
        {"time",
         {{"ser", microsOf(m.serNs)},
          {"dser", microsOf(m.dserNs)},
          {"exec", m.exec},
          {"hsk", m.hsk},
          {"idle", m.idle},
          {"recv", m.recv},
          {"send", m.send}}},
        {"time_ns", {{"ser", m.serNs}, {"dser", m.dserNs}}},
    };
}

nlohmann::json rpcMeta(const RpcEventData& rpc, const std::string& eventName) {
    const RpcEndpoint& local = endpointOf(rpc);
    nlohmann::json meta = {{"address", local.address},
                           {"prefix", local.prefix},
                           {"hsk_ref", rpc.hskRef},
                           {"result", rpc.result},
                           {"state", rpc.state},
                           {"local", refsJson(local.connRef, local.nodeRef, local.svcRef)}};
    meta["remote"] = rpc.hasRemote ? refsJson(base64Unpadded(rpc.remoteConnRaw), rpc.remoteNodeRef,
                                              rpc.remoteSvcRef)
                                   : nlohmann::json::object();
    if (!rpc.funName.empty()) {
        meta["fun_name"] = rpc.funName;
        meta["fun_req"] = eventName == "cast" ? "cast" : "call";
    }
    if (rpc.reqRef) {
        meta["req_ref"] = *rpc.reqRef;
    }
    if (!rpc.localAddress.empty()) {
        meta["local_address"] = rpc.localAddress;
    }
    if (!rpc.peerAddress.empty()) {
        meta["peer_address"] = rpc.peerAddress;
    }
    if (rpc.turn > 0) {
        meta["turn"] = rpc.turn;
    }
    return meta;
}

nlohmann::json flowMetrics(const FlowEventData& f, const std::string& eventName) {
    if (eventName == "accepted") {
        return {{"time", {{"setup", f.setupUs}}}};
    }
    if (eventName == "refused") {
        return {{"time", {{"duration", f.durationUs}}}};
    }
    if (eventName == "turn") {
        nlohmann::json m = {
            {"bytes", {{"to_upstream", f.toUpstream}, {"to_downstream", f.toDownstream}}},
            {"size", {{"send", f.toUpstream}, {"recv", f.toDownstream}}}};
        nlohmann::json t = nlohmann::json::object(), tn = nlohmann::json::object();
        const std::pair<const char*, int64_t> spans[] = {
            {"request", f.requestNs}, {"wait", f.waitNs}, {"answer", f.answerNs}};
        for (const auto& [key, ns] : spans) {
            if (ns >= 0) {
                t[key] = microsOf(ns);
                tn[key] = ns;
            }
        }
        m["time"] = std::move(t);
        m["time_ns"] = std::move(tn);
        return m;
    }
    return {{"bytes", {{"to_upstream", f.toUpstream}, {"to_downstream", f.toDownstream}}},
            {"size", {{"send", f.toUpstream}, {"recv", f.toDownstream}}},
            {"time", {{"duration", f.durationUs}, {"setup", f.setupUs}}}};
}

nlohmann::json flowMeta(const FlowEventData& f, const std::string& eventName) {
    nlohmann::json meta = {
        {"flow_ref", f.flowRef}, {"direction", f.direction}, {"service", f.service}};
    auto put = [&meta](const char* key, const std::string& value) {
        if (!value.empty()) {
            meta[key] = value;
        }
    };
    put("src", f.src);
    put("dst", f.dst);
    put("dst_local", f.dstLocal);
    put("instance", f.instance);
    put("peer_id", f.peerId);
    put("intention", f.intention);
    if (f.attempts > 0) {
        meta["attempts"] = f.attempts;
    }
    meta["result"] = f.result;
    if (eventName == "turn") {
        meta["turn"] = f.turn;
    } else if (eventName != "accepted") {
        meta["reason"] = f.reason;
    }
    return meta;
}

void materialize(Event& event) {
    if (!event.jsonPending()) {
        return;
    }
    if (const RpcEventData* rpc = event.rpc()) {
        event.metrics = rpcMetrics(*rpc);
        event.meta = rpcMeta(*rpc, event.name);
    } else if (const FlowEventData* flow = event.flow()) {
        event.metrics = flowMetrics(*flow, event.name);
        event.meta = flowMeta(*flow, event.name);
    } else {
        event.metrics = nlohmann::json::object();
        event.meta = nlohmann::json::object();
    }
}

void appendMetrics(std::string& out, const Event& event) {
    if (event.jsonPending()) {
        if (const RpcEventData* rpc = event.rpc()) {
            appendRpcMetrics(out, rpc->metrics);
            return;
        }
        if (const FlowEventData* flow = event.flow()) {
            if (event.name == "turn") {
                appendTurnMetrics(out, *flow);
            } else {
                out += dumpJson(flowMetrics(*flow, event.name));
            }
            return;
        }
    }
    out += event.metrics.is_null() ? std::string("{}") : dumpJson(event.metrics);
}

void appendMeta(std::string& out, const Event& event) {
    if (event.jsonPending()) {
        if (const RpcEventData* rpc = event.rpc()) {
            appendRpcMeta(out, *rpc, event.name);
            return;
        }
        if (const FlowEventData* flow = event.flow()) {
            if (event.name == "turn") {
                appendTurnMeta(out, *flow);
            } else {
                out += dumpJson(flowMeta(*flow, event.name));
            }
            return;
        }
    }
    out += event.meta.is_null() ? std::string("{}") : dumpJson(event.meta);
}

void appendString(std::string& out, const std::string& text) {
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u >= 0x7f || c == '"' || c == '\\') {
            // Escapes, control characters, UTF-8 (maybe invalid): nlohmann's rules exactly.
            out += dumpJson(nlohmann::json(text));
            return;
        }
    }
    out += '"';
    out += text;
    out += '"';
}

}  // namespace meshx::telemetry::event_json

namespace meshx::telemetry {

std::string base64Unpadded(const std::string& bytes) {
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() * 4 + 2) / 3);
    size_t i = 0;
    auto at = [&bytes](size_t k) { return static_cast<uint32_t>(static_cast<uint8_t>(bytes[k])); };
    for (; i + 3 <= bytes.size(); i += 3) {
        const uint32_t v = at(i) << 16 | at(i + 1) << 8 | at(i + 2);
        out += kAlphabet[v >> 18 & 63];
        out += kAlphabet[v >> 12 & 63];
        out += kAlphabet[v >> 6 & 63];
        out += kAlphabet[v & 63];
    }
    const size_t rest = bytes.size() - i;
    if (rest == 1) {
        const uint32_t v = at(i) << 16;
        out += kAlphabet[v >> 18 & 63];
        out += kAlphabet[v >> 12 & 63];
    } else if (rest == 2) {
        const uint32_t v = at(i) << 16 | at(i + 1) << 8;
        out += kAlphabet[v >> 18 & 63];
        out += kAlphabet[v >> 12 & 63];
        out += kAlphabet[v >> 6 & 63];
    }
    return out;
}

}  // namespace meshx::telemetry
