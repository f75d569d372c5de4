#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "common/mesh_config.h"
#include "common/result.h"

namespace meshx::proxy {

// consul::tokenCanReadService / consul::serviceReadCheck (core/consul/service_read_check.h)
// asked through AgentHttpClient, for the sidecar's live tap: the same question and answers
// (true on 200, false on 403/404 or an unsendable token, an Error when the agent cannot answer),
// without libcurl and Qt in meshx-proxy.
// Any thread; blocks up to `timeout`.
Result<bool> tokenCanReadService(const MeshConfig& agent, const std::string& token,
                                 const std::string& serviceId,
                                 std::chrono::milliseconds timeout = std::chrono::seconds(3));

// Bound to one agent (its own token is not used) and one service id, in the shape
// TapServer::setProcessTokenCheck takes.
std::function<Result<bool>(const std::string& token)> serviceReadCheck(MeshConfig agent,
                                                                       std::string serviceId);

}  // namespace meshx::proxy
