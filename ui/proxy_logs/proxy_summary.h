#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/agent_snapshot.h"
#include "mesh/proxy_info.h"

namespace meshx::ui {

// One service's sidecar at a glance, instead of the raw registration:
//   public listener 127.0.0.1:21000 -> local service 127.0.0.1:1024
//   upstream 127.0.0.1:65000 -> api -> 2/2 healthy
// plus, for a proxy this console runs, its command, state, restarts and last exit reason.
// Plain data built from what AgentMonitor and the engine already said. Any thread.
struct ProxySummary {
    struct Upstream {
        std::string bind;
        std::string destination;
        engine::DestinationHealth health;
    };

    std::string serviceId;
    std::string sidecarId;  // empty: no sidecar registered
    std::string publicListener;
    std::string localService;
    std::string sidecarHealth;
    std::vector<Upstream> upstreams;
    std::optional<mesh::ProxyInfo> process;  // only for proxies this console runs

    // `nodeAddress`: the agent node's address, for a sidecar registered without one.
    static ProxySummary build(const std::string& serviceId, const engine::AgentSnapshot& snapshot,
                              const std::map<std::string, engine::DestinationHealth>& destinations,
                              std::optional<mesh::ProxyInfo> process,
                              const std::string& nodeAddress = {});
};

}  // namespace meshx::ui
