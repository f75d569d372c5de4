#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "common/mesh_config.h"
#include "common/result.h"

namespace meshx::consul {

class ConsulApi;

// Makes the client of one check: `config` is the agent's, with the token being checked set. The
// engine's programs use ConsulClient (below); meshx-proxy its own AgentHttpClient, which keeps
// libcurl out of the sidecar (proxy/service_read_check.h).
using ApiFactory = std::function<Result<std::unique_ptr<ConsulApi>>(const MeshConfig& config)>;

// The question below, asked through clients `makeApi` makes. Any thread; blocks up to `timeout`.
Result<bool> tokenCanReadService(const ApiFactory& makeApi, const MeshConfig& agent,
                                 const std::string& token, const std::string& serviceId,
                                 std::chrono::milliseconds timeout = std::chrono::seconds(3));
std::function<Result<bool>(const std::string& token)> serviceReadCheck(ApiFactory makeApi,
                                                                       MeshConfig agent,
                                                                       std::string serviceId);

// Whether an ACL token may read a service, as the agent resolves it: `GET /v1/agent/service/ID`
// sent with that token, which the agent answers only when the token has `service:read` on the
// service's name (with ACLs off it answers every token). Used by live taps (docs/taps.md) to
// let a subscriber in only with read access to the service the tapped process serves.
//
// true on 200; false on 403 (no such token, or no read access) and 404 (no such registration:
// nothing to read); an Error when the agent cannot answer (unreachable, timeout). The token is
// sent in X-Consul-Token only and never appears in an error. Any thread; blocks up to `timeout`.
// Asked through ConsulClient (client_read_check.cpp).
Result<bool> tokenCanReadService(const MeshConfig& agent, const std::string& token,
                                 const std::string& serviceId,
                                 std::chrono::milliseconds timeout = std::chrono::seconds(3));

// tokenCanReadService bound to one agent (its address and TLS settings; its own token is not
// used) and one service id, in the shape TapServer::setTokenCheck takes.
std::function<Result<bool>(const std::string& token)> serviceReadCheck(MeshConfig agent,
                                                                       std::string serviceId);

}  // namespace meshx::consul
