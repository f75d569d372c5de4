#include "consul/agent_endpoints.h"

#include "consul/decode.h"
#include "consul/endpoint_support.h"
#include "consul/url_encoding.h"

namespace meshx::consul::endpoints {

using detail::ignoreBody;
using detail::jsonDecoder;

namespace {

Request withFilter(Request request, const std::string& filter) {
    if (!filter.empty()) {
        request.param("filter", filter);
    }
    return request;
}

Call<void> ttlCall(const char* verb, const std::string& id, const std::string& note) {
    auto request = Request::put(std::string("/agent/check/") + verb + "/" + encodePathSegment(id));
    if (!note.empty()) {
        request.param("note", note);
    }
    return {std::move(request), ignoreBody};
}

}  // namespace

Call<AgentSelf> agentSelf() {
    return {Request::get("/agent/self"), jsonDecoder(decodeAgentSelf)};
}

Call<std::map<std::string, AgentService>> agentServices(const std::string& filter) {
    return {withFilter(Request::get("/agent/services"), filter), jsonDecoder(decodeAgentServices)};
}

Call<AgentService> agentService(const std::string& id, const std::string& hash,
                                std::chrono::milliseconds wait) {
    auto request = Request::get("/agent/service/" + encodePathSegment(id));
    request.blocking.hash = hash;
    request.blocking.wait = wait;
    return {std::move(request), [](const Response& response) -> Result<AgentService> {
                auto json = response.json();
                if (!json) {
                    return json.error();
                }
                auto service = decodeAgentService(*json);
                if (service && service->contentHash.empty()) {
                    service->contentHash = response.contentHash();
                }
                return service;
            }};
}

Call<void> registerService(const nlohmann::json& definition, bool replaceExistingChecks) {
    auto request = Request::put("/agent/service/register");
    if (replaceExistingChecks) {
        request.param("replace-existing-checks", "true");
    }
    request.json(definition);
    return {std::move(request), ignoreBody};
}

Call<void> deregisterService(const std::string& id) {
    return {Request::put("/agent/service/deregister/" + encodePathSegment(id)), ignoreBody};
}

Call<AgentServiceHealth> agentHealthById(const std::string& id) {
    auto request = Request::get("/agent/health/service/id/" + encodePathSegment(id));
    request.acceptStatuses = {429, 503, 404};
    return {std::move(request), decodeAgentServiceHealth};
}

Call<AgentServicesHealth> agentHealthByName(const std::string& name) {
    auto request = Request::get("/agent/health/service/name/" + encodePathSegment(name));
    request.acceptStatuses = {429, 503, 404};
    return {std::move(request), decodeAgentServicesHealth};
}

Call<std::map<std::string, HealthCheck>> agentChecks(const std::string& filter) {
    return {withFilter(Request::get("/agent/checks"), filter), jsonDecoder(decodeAgentChecks)};
}

Call<void> registerCheck(const nlohmann::json& definition) {
    auto request = Request::put("/agent/check/register");
    request.json(definition);
    return {std::move(request), ignoreBody};
}

Call<void> deregisterCheck(const std::string& id) {
    return {Request::put("/agent/check/deregister/" + encodePathSegment(id)), ignoreBody};
}

const char* checkStatusName(CheckStatus status) {
    switch (status) {
        case CheckStatus::Passing:
            return "passing";
        case CheckStatus::Warning:
            return "warning";
        case CheckStatus::Critical:
            return "critical";
    }
    return "critical";
}

Call<void> updateCheck(const std::string& id, CheckStatus status, const std::string& output) {
    auto request = Request::put("/agent/check/update/" + encodePathSegment(id));
    nlohmann::json body = {{"Status", checkStatusName(status)}};
    if (!output.empty()) {
        body["Output"] = output;
    }
    request.json(body);
    return {std::move(request), ignoreBody};
}

Call<void> passCheck(const std::string& id, const std::string& note) {
    return ttlCall("pass", id, note);
}

Call<void> warnCheck(const std::string& id, const std::string& note) {
    return ttlCall("warn", id, note);
}

Call<void> failCheck(const std::string& id, const std::string& note) {
    return ttlCall("fail", id, note);
}

}  // namespace meshx::consul::endpoints
