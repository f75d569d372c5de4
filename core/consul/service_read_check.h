#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "common/mesh_config.h"
#include "common/result.h"

namespace meshx::consul {

// Whether an ACL token may read a service, as the agent resolves it: `GET /v1/agent/service/ID`
// sent with that token, which the agent answers only when the token has `service:read` on the
// service's name (with ACLs off it answers every token). Used by live taps (docs/taps.md) to
// let a subscriber in only with read access to the service the tapped process serves.
//
// true on 200; false on 403 (no such token, or no read access) and 404 (no such registration:
// nothing to read); an Error when the agent cannot answer (unreachable, timeout). The token is
// sent in X-Consul-Token only and never appears in an error. Any thread; blocks up to `timeout`.
Result<bool> tokenCanReadService(const MeshConfig& agent, const std::string& token,
                                 const std::string& serviceId,
                                 std::chrono::milliseconds timeout = std::chrono::seconds(3));

// tokenCanReadService bound to one agent (its address and TLS settings; its own token is not
// used) and one service id, in the shape TapServer::setTokenCheck takes.
std::function<Result<bool>(const std::string& token)> serviceReadCheck(MeshConfig agent,
                                                                       std::string serviceId);

}  // namespace meshx::consul
