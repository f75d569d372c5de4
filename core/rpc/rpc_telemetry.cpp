#include "rpc/rpc_telemetry.h"

#include <QByteArray>

#include "telemetry/telemetry_bus.h"

namespace meshx::rpc {

namespace {

std::string base64(const std::string& bytes) {
    return QByteArray(bytes.data(), static_cast<qsizetype>(bytes.size()))
        .toBase64(QByteArray::OmitTrailingEquals)
        .toStdString();
}

// Microseconds from nanoseconds, fractional when not whole: 412 ns is 0.412, never 0.
nlohmann::json microsOf(int64_t ns) {
    if (ns % 1000 == 0) {
        return ns / 1000;
    }
    return static_cast<double>(ns) / 1000.0;
}

nlohmann::json refsJson(const RpcRefs& refs) {
    return {
        {"conn_ref", base64(refs.connRef)}, {"node_ref", refs.nodeRef}, {"svc_ref", refs.svcRef}};
}

}  // namespace

RpcTelemetry::RpcTelemetry(const RpcCommonOptions& options, std::string source)
    : bus_(options.bus != nullptr ? options.bus : &telemetry::TelemetryBus::global()),
      source_(std::move(source)),
      address_(options.address.toString()),
      prefix_(options.prefix()),
      local_{options.connRef, options.nodeRef, options.svcRef} {}

bool RpcTelemetry::enabled() const {
    return bus_->hasSubscribers();
}

void RpcTelemetry::publish(const RpcEventInfo& info, const RpcMetrics& m) const {
    if (!bus_->hasSubscribers())
        return;
    telemetry::Event e;
    e.source = source_;
    e.name = info.name;
    e.metrics = {
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
    e.meta = {{"address", address_},   {"prefix", prefix_},   {"hsk_ref", info.hskRef},
              {"result", info.result}, {"state", info.state}, {"local", refsJson(local_)}};
    e.meta["remote"] = info.remote != nullptr ? refsJson(*info.remote) : nlohmann::json::object();
    if (!info.funName.empty()) {
        e.meta["fun_name"] = info.funName;
        e.meta["fun_req"] = info.name == "cast" ? "cast" : "call";
    }
    if (info.reqRef)
        e.meta["req_ref"] = *info.reqRef;
    bus_->publish(std::move(e));
}

}  // namespace meshx::rpc
