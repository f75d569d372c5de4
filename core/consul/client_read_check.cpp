// The service read check (service_read_check.h) through ConsulClient: in a file of its own so
// that a program using only the generic check (meshx-proxy) never links ConsulClient and libcurl.

#include "consul/consul_client.h"
#include "consul/service_read_check.h"

namespace meshx::consul {

namespace {

Result<std::unique_ptr<ConsulApi>> consulClient(const MeshConfig& config) {
    auto client = ConsulClient::create(config);
    if (!client) {
        return client.error();
    }
    return std::unique_ptr<ConsulApi>(std::move(*client));
}

}  // namespace

Result<bool> tokenCanReadService(const MeshConfig& agent, const std::string& token,
                                 const std::string& serviceId, std::chrono::milliseconds timeout) {
    return tokenCanReadService(consulClient, agent, token, serviceId, timeout);
}

std::function<Result<bool>(const std::string& token)> serviceReadCheck(MeshConfig agent,
                                                                       std::string serviceId) {
    return serviceReadCheck(consulClient, std::move(agent), std::move(serviceId));
}

}  // namespace meshx::consul
