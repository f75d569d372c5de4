// makeConnectCa: the agent's Connect CA (core/agent/ca) for a new cluster.
#include "agent/agent_core.h"

namespace meshx::agent {

std::unique_ptr<ConnectCa> makeConnectCa(const std::string& datacenter, AgentLog& log) {
    auto ca = ConnectCa::create(ConnectCa::newClusterId(), datacenter);
    if (!ca) {
        log.log(LogLevel::Error, "agent.connect", "cannot create the Connect CA",
                {{"error", ca.error().message}});
        return nullptr;
    }
    log.log(LogLevel::Info, "agent.connect", "initialized primary datacenter CA",
            {{"provider", "consul"}, {"trust_domain", ca->trustDomain()}});
    return std::make_unique<ConnectCa>(std::move(*ca));
}

}  // namespace meshx::agent
