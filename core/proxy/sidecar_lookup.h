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

// The agent-side filter (`?filter=`) that narrows GET /v1/agent/services to the sidecars of
// `serviceId`: Kind connect-proxy and Proxy.DestinationServiceID equal to the ID, quoted with
// the filter language's escapes. Any thread.
//
// Why: without it every sidecar start reads and parses the whole listing, so starting N
// sidecars costs the agent and the sidecars O(N^2) (1,000 services: about 2,000 entries read
// 1,000 times). The filter compares case-sensitively where findSidecarProxyId does not; the
// caller falls back to the full listing when the filtered one finds nothing.
std::string sidecarFilter(const std::string& serviceId);

}  // namespace meshx::proxy
