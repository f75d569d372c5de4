#include "proxy/service_read_check.h"

#include "consul/service_read_check.h"
#include "proxy/agent_http_client.h"

namespace meshx::proxy {

namespace {

Result<std::unique_ptr<consul::ConsulApi>> agentHttpClient(const MeshConfig& config) {
    auto client = AgentHttpClient::create(config);
    if (!client) {
        return client.error();
    }
    return std::unique_ptr<consul::ConsulApi>(std::move(*client));
}

}  // namespace

Result<bool> tokenCanReadService(const MeshConfig& agent, const std::string& token,
                                 const std::string& serviceId, std::chrono::milliseconds timeout) {
    return consul::tokenCanReadService(agentHttpClient, agent, token, serviceId, timeout);
}

std::function<Result<bool>(const std::string& token)> serviceReadCheck(MeshConfig agent,
                                                                       std::string serviceId) {
    return consul::serviceReadCheck(agentHttpClient, std::move(agent), std::move(serviceId));
}

}  // namespace meshx::proxy
