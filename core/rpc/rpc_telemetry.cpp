#include "rpc/rpc_telemetry.h"

#include "telemetry/event.h"
#include "telemetry/telemetry_bus.h"

namespace meshx::rpc {

RpcTelemetry::RpcTelemetry(const RpcCommonOptions& options, std::string source)
    : bus_(options.bus != nullptr ? options.bus : &telemetry::TelemetryBus::global()),
      source_(std::move(source)),
      local_(std::make_shared<const telemetry::RpcEndpoint>(telemetry::RpcEndpoint{
          options.address.toString(), options.prefix(), telemetry::base64Unpadded(options.connRef),
          options.nodeRef, options.svcRef})) {}

bool RpcTelemetry::enabled() const {
    return bus_->hasSubscribers();
}

void RpcTelemetry::publish(const RpcEventInfo& info, const RpcMetrics& m) const {
    if (!bus_->hasSubscribers())
        return;
    telemetry::Event e{telemetry::Event::TypedTag{}};
    e.source = source_;
    e.name = info.name;
    telemetry::RpcEventData& d = e.payload.emplace<telemetry::RpcEventData>();
    d.local = local_;
    d.state = info.state;
    d.funName = info.funName;
    d.result = info.result;
    d.hskRef = info.hskRef;
    d.reqRef = info.reqRef;
    if (info.remote != nullptr) {
        d.hasRemote = true;
        d.remoteConnRaw = info.remote->connRef;
        d.remoteNodeRef = info.remote->nodeRef;
        d.remoteSvcRef = info.remote->svcRef;
    }
    if (info.localAddress != nullptr)
        d.localAddress = *info.localAddress;
    if (info.peerAddress != nullptr)
        d.peerAddress = *info.peerAddress;
    d.turn = info.turn;
    d.metrics = m;
    bus_->publish(std::move(e));
}

}  // namespace meshx::rpc
