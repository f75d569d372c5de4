#include "telemetry/rpc_record.h"

#include <cstdlib>

#include "telemetry/event_json.h"

namespace meshx::telemetry {

namespace {

std::string str(const nlohmann::json& obj, const char* key) {
    if (!obj.is_object())
        return {};
    auto it = obj.find(key);
    return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::optional<uint64_t> ref(const nlohmann::json& obj, const char* key) {
    if (!obj.is_object())
        return std::nullopt;
    auto it = obj.find(key);
    if (it == obj.end() || !it->is_number_integer())
        return std::nullopt;
    return it->is_number_unsigned() ? it->get<uint64_t>()
                                    : static_cast<uint64_t>(it->get<int64_t>());
}

int64_t num(const nlohmann::json& obj, const char* group, const char* key) {
    if (!obj.is_object())
        return 0;
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

// A time in nanoseconds: metrics time_ns.KEY, else time.KEY (microseconds, maybe fractional).
int64_t nanos(const nlohmann::json& metrics, const char* key) {
    if (const int64_t ns = num(metrics, "time_ns", key); ns != 0) {
        return ns;
    }
    if (!metrics.is_object() || !metrics.contains("time") || !metrics["time"].is_object()) {
        return 0;
    }
    const auto& t = metrics["time"];
    auto it = t.find(key);
    if (it == t.end() || !it->is_number()) {
        return 0;
    }
    return static_cast<int64_t>(it->get<double>() * 1000.0 + 0.5);
}

const nlohmann::json& sub(const nlohmann::json& obj, const char* key) {
    static const nlohmann::json kEmpty = nlohmann::json::object();
    if (!obj.is_object())
        return kEmpty;
    auto it = obj.find(key);
    return it != obj.end() && it->is_object() ? *it : kEmpty;
}

}  // namespace

bool RpcRecord::isRpc(const Event& event) {
    return event.source.rfind("rpc.", 0) == 0;
}

bool RpcRecord::isStreamed(const Event& event) {
    return isRpc(event) || event.source == "otlp";
}

RpcRecord RpcRecord::fromTyped(const Event& e, const RpcEventData& d) {
    RpcRecord r;
    r.seq = e.seq;
    r.timeUs = e.timeUs;
    r.source = e.source;
    r.event = e.name;
    if (!d.funName.empty()) {
        r.fun = d.funName;
        r.kind = e.name == "cast" ? "cast" : "call";
    }
    r.result = d.result;
    r.state = d.state;
    r.hskRef = d.hskRef;
    r.reqRef = d.reqRef;
    if (d.local) {
        r.address = d.local->address;
        r.localConn = d.local->connRef;
        r.localNode = d.local->nodeRef;
        r.localSvc = d.local->svcRef;
    }
    if (d.hasRemote) {
        r.remoteConn = base64Unpadded(d.remoteConnRaw);
        r.remoteNode = d.remoteNodeRef;
        r.remoteSvc = d.remoteSvcRef;
    }
    r.localAddress = d.localAddress;
    r.peerAddress = d.peerAddress;
    r.turn = d.turn;
    const RpcMeasurements& m = d.metrics;
    r.blocksSend = static_cast<int64_t>(m.blocksSend);
    r.blocksRecv = static_cast<int64_t>(m.blocksRecv);
    r.sizeSend = static_cast<int64_t>(m.sizeSend);
    r.sizeRecv = static_cast<int64_t>(m.sizeRecv);
    r.tSerNs = m.serNs;
    r.tDserNs = m.dserNs;
    r.tSer = m.serNs / 1000;
    r.tDser = m.dserNs / 1000;
    r.tExec = m.exec;
    r.tHsk = m.hsk;
    r.tIdle = m.idle;
    r.tRecv = m.recv;
    r.tSend = m.send;
    return r;
}

RpcRecord RpcRecord::fromEvent(const Event& e) {
    if (const RpcEventData* typed = e.rpc()) {
        return fromTyped(e, *typed);  // no JSON lookups (and none made)
    }
    RpcRecord r;
    r.seq = e.seq;
    r.timeUs = e.timeUs;
    r.source = e.source;
    r.event = e.name;
    const nlohmann::json& m = e.meta;
    r.fun = str(m, "fun_name");
    r.kind = str(m, "fun_req");
    r.result = str(m, "result");
    r.state = str(m, "state");
    r.address = str(m, "address");
    r.hskRef = ref(m, "hsk_ref");
    r.reqRef = ref(m, "req_ref");
    const nlohmann::json& local = sub(m, "local");
    r.localConn = str(local, "conn_ref");
    r.localNode = str(local, "node_ref");
    r.localSvc = str(local, "svc_ref");
    const nlohmann::json& remote = sub(m, "remote");
    r.remoteConn = str(remote, "conn_ref");
    r.remoteNode = str(remote, "node_ref");
    r.remoteSvc = str(remote, "svc_ref");
    r.localAddress = str(m, "local_address");
    r.peerAddress = str(m, "peer_address");
    r.turn = ref(m, "turn").value_or(0);
    const nlohmann::json& process = sub(m, "process");
    if (!process.empty()) {
        auto pid = process.find("pid");
        r.process = str(process, "program") + "[" +
                    (pid != process.end() && pid->is_number_integer() ? pid->dump() : "") + "]";
        r.service = str(process, "service_id");
    }
    const nlohmann::json& x = e.metrics;
    r.blocksSend = num(x, "blocks", "send");
    r.blocksRecv = num(x, "blocks", "recv");
    r.sizeSend = num(x, "size", "send");
    r.sizeRecv = num(x, "size", "recv");
    r.tSer = num(x, "time", "ser");
    r.tDser = num(x, "time", "dser");
    r.tSerNs = nanos(x, "ser");
    r.tDserNs = nanos(x, "dser");
    r.tExec = num(x, "time", "exec");
    r.tHsk = num(x, "time", "hsk");
    r.tIdle = num(x, "time", "idle");
    r.tRecv = num(x, "time", "recv");
    r.tSend = num(x, "time", "send");
    return r;
}

Event RpcRecord::toEvent() const {
    Event e;
    e.seq = seq;
    e.timeUs = timeUs;
    e.source = source;
    e.name = event;
    e.metrics = {
        {"blocks", {{"send", blocksSend}, {"recv", blocksRecv}}},
        {"size", {{"send", sizeSend}, {"recv", sizeRecv}}},
        {"time",
         {{"ser", tSerNs != 0 ? event_json::microsOf(tSerNs) : nlohmann::json(tSer)},
          {"dser", tDserNs != 0 ? event_json::microsOf(tDserNs) : nlohmann::json(tDser)},
          {"exec", tExec},
          {"hsk", tHsk},
          {"idle", tIdle},
          {"recv", tRecv},
          {"send", tSend}}},
    };
    if (tSerNs != 0 || tDserNs != 0) {
        e.metrics["time_ns"] = {{"ser", tSerNs}, {"dser", tDserNs}};
    }
    e.meta = {{"address", address},
              {"result", result},
              {"state", state},
              {"local", {{"conn_ref", localConn}, {"node_ref", localNode}, {"svc_ref", localSvc}}}};
    e.meta["remote"] =
        remoteConn.empty() && remoteNode.empty() && remoteSvc.empty()
            ? nlohmann::json::object()
            : nlohmann::json{
                  {"conn_ref", remoteConn}, {"node_ref", remoteNode}, {"svc_ref", remoteSvc}};
    if (hskRef)
        e.meta["hsk_ref"] = *hskRef;
    if (!fun.empty())
        e.meta["fun_name"] = fun;
    if (!kind.empty())
        e.meta["fun_req"] = kind;
    if (reqRef)
        e.meta["req_ref"] = *reqRef;
    if (!localAddress.empty())
        e.meta["local_address"] = localAddress;
    if (!peerAddress.empty())
        e.meta["peer_address"] = peerAddress;
    if (turn > 0)
        e.meta["turn"] = turn;
    if (!process.empty() || !service.empty()) {
        // "program[pid]" back into the tap's shape.
        const auto open = process.rfind('[');
        nlohmann::json p = {{"program", process.substr(0, open)}};
        if (open != std::string::npos && process.size() > open + 2)
            p["pid"] = std::strtol(process.c_str() + open + 1, nullptr, 10);
        if (!service.empty())
            p["service_id"] = service;
        e.meta["process"] = std::move(p);
    }
    return e;
}

nlohmann::json RpcRecord::toJson() const {
    Event e = toEvent();
    return {{"seq", seq},     {"time_us", timeUs}, {"source", source},
            {"event", event}, {"meta", e.meta},    {"metrics", e.metrics}};
}

std::string RpcRecord::instance() const {
    const bool client = source == "rpc.client";
    const std::string& svc = client ? remoteSvc : localSvc;
    const std::string& conn = client ? remoteConn : localConn;
    if (svc.empty() && conn.empty())
        return {};
    return svc + "/" + conn;
}

}  // namespace meshx::telemetry
