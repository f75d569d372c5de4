#include "proxy/service_read_check.h"

#include "consul/request.h"
#include "consul/url_encoding.h"
#include "proxy/agent_http_client.h"

namespace meshx::proxy {

Result<bool> tokenCanReadService(const MeshConfig& agent, const std::string& token,
                                 const std::string& serviceId, std::chrono::milliseconds timeout) {
    MeshConfig config = agent;
    config.token = token;
    auto client = AgentHttpClient::create(config);
    if (!client) {
        // A token with control characters cannot even be sent: it reads nothing.
        return client.error().code == Code::InvalidArgument ? Result<bool>(false)
                                                            : Result<bool>(client.error());
    }
    auto request = consul::Request::get("/agent/service/" + consul::encodePathSegment(serviceId));
    request.acceptStatuses = {403, 404};
    request.timeout = timeout;
    auto response = (*client)->send(request);
    if (!response) {
        return response.error();
    }
    return response->status == 200;
}

std::function<Result<bool>(const std::string& token)> serviceReadCheck(MeshConfig agent,
                                                                       std::string serviceId) {
    agent.token.clear();
    return [agent = std::move(agent), serviceId = std::move(serviceId)](const std::string& token) {
        return tokenCanReadService(agent, token, serviceId);
    };
}

}  // namespace meshx::proxy
