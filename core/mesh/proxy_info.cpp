#include "mesh/proxy_info.h"

namespace meshx::mesh {

const char* proxyStateName(ProxyState state) {
    switch (state) {
        case ProxyState::Idle:
            return "idle";
        case ProxyState::Running:
            return "running";
        case ProxyState::Restarting:
            return "restarting";
        case ProxyState::Stopping:
            return "stopping";
        case ProxyState::Stopped:
            return "stopped";
        case ProxyState::GaveUp:
            return "gave_up";
    }
    return "unknown";
}

nlohmann::json ProxyInfo::toJson() const {
    nlohmann::json j = {{"service_id", serviceId},
                        {"argv", argv},
                        {"pid", pid},
                        {"restarts", restarts},
                        {"max_restarts", maxRestarts},
                        {"last_exit_reason", lastExitReason},
                        {"state", proxyStateName(state)}};
    if (hosted) {
        j["hosted"] = true;
    }
    return j;
}

}  // namespace meshx::mesh
