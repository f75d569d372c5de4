#pragma once

#include <chrono>
#include <map>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "consul/agent_types.h"
#include "consul/call.h"

// Typed calls of the local agent's endpoints (reference §2). Run them with ConsulApi::call
// (blocking, any thread) or callAsync (engine thread). Ids are percent-encoded here; pass them
// as they are (`ttl:web-host1`).
// The functions only build a Call (no I/O): any thread.
namespace meshx::consul::endpoints {

// GET /agent/self
Call<AgentSelf> agentSelf();

// GET /agent/services[?filter=...]: service ID -> service. No index (the agent sends none).
Call<std::map<std::string, AgentService>> agentServices(const std::string& filter = {});

// GET /agent/service/:id. With a `hash` (the previous ContentHash) the agent holds the reply
// until the service changes or `wait` passes (§1.8). NotFound when there is no such service.
Call<AgentService> agentService(const std::string& id, const std::string& hash = {},
                                std::chrono::milliseconds wait = {});

// PUT /agent/service/register[?replace-existing-checks=true]; `definition` as Consul takes it
// (Name, ID, Checks, Connect.SidecarService, ...).
Call<void> registerService(const nlohmann::json& definition, bool replaceExistingChecks);

// PUT /agent/service/deregister/:id (also removes its checks and its sidecar).
Call<void> deregisterService(const std::string& id);

// GET /agent/health/service/id/:id and /agent/health/service/name/:name. 200, 429, 503 and
// 404 are answers (AgentServiceHealth::httpStatus), not errors.
Call<AgentServiceHealth> agentHealthById(const std::string& id);
Call<AgentServicesHealth> agentHealthByName(const std::string& name);

// GET /agent/checks[?filter=...]: check ID -> check.
Call<std::map<std::string, HealthCheck>> agentChecks(const std::string& filter = {});

// PUT /agent/check/register; `definition` uses `ID` (not CheckID), `Name`, `TTL`, ...
Call<void> registerCheck(const nlohmann::json& definition);

// PUT /agent/check/deregister/:id
Call<void> deregisterCheck(const std::string& id);

enum class CheckStatus { Passing, Warning, Critical };
const char* checkStatusName(CheckStatus status);  // "passing", "warning", "critical"

// PUT /agent/check/update/:id with {"Status": ..., "Output": ...} (TTL checks only).
Call<void> updateCheck(const std::string& id, CheckStatus status, const std::string& output = {});

// PUT /agent/check/pass|warn|fail/:id[?note=...] (TTL checks only).
Call<void> passCheck(const std::string& id, const std::string& note = {});
Call<void> warnCheck(const std::string& id, const std::string& note = {});
Call<void> failCheck(const std::string& id, const std::string& note = {});

}  // namespace meshx::consul::endpoints
