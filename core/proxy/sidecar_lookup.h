#pragma once

#include <map>
#include <string>

#include "common/result.h"
#include "consul/agent_types.h"

namespace meshx::proxy {

// Finds the connect-proxy that serves `serviceId` among the agent's services, the way
// `consul connect proxy -sidecar-for` does (reference §5.1 step 2): Kind connect-proxy, a Proxy
// object, Proxy.DestinationServiceID equal to the ID case-insensitively. Any thread.
//
// Errors (NotFound / InvalidArgument) carry Consul's words:
//   `No sidecar proxy registered for <id>`
//   `More than one sidecar proxy registered for <id>.` plus a line listing the IDs.
Result<std::string> findSidecarProxyId(const std::map<std::string, consul::AgentService>& services,
                                       const std::string& serviceId);

}  // namespace meshx::proxy
