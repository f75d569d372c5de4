#include "consul/service_read_check.h"

#include "consul/consul_api.h"
#include "consul/request.h"
#include "consul/url_encoding.h"

namespace meshx::consul {

Result<bool> tokenCanReadService(const ApiFactory& makeApi, const MeshConfig& agent,
                                 const std::string& token, const std::string& serviceId,
                                 std::chrono::milliseconds timeout) {
    MeshConfig config = agent;
    config.token = token;
    auto client = makeApi(config);
    if (!client) {
        // A token with control characters cannot even be sent: it reads nothing.
        return client.error().code == Code::InvalidArgument ? Result<bool>(false)
                                                            : Result<bool>(client.error());
    }
    Request request = Request::get("/agent/service/" + encodePathSegment(serviceId));
    request.acceptStatuses = {403, 404};
    request.timeout = timeout;
    auto response = (*client)->send(request);
    if (!response) {
        return response.error();
    }
    return response->status == 200;
}

std::function<Result<bool>(const std::string& token)> serviceReadCheck(ApiFactory makeApi,
                                                                       MeshConfig agent,
                                                                       std::string serviceId) {
    agent.token.clear();
    return [makeApi = std::move(makeApi), agent = std::move(agent),
            serviceId = std::move(serviceId)](const std::string& token) {
        return tokenCanReadService(makeApi, agent, token, serviceId);
    };
}

}  // namespace meshx::consul
