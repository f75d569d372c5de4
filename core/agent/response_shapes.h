#pragma once

#include <string>

#include "agent/agent_records.h"
#include "agent/go_json.h"

namespace meshx::agent {

// The JSON shapes Consul answers with, field for field in Go's declaration order (§2, §3 and the
// fixtures). Pure functions; any thread.

// api.AgentService: /agent/services values, /agent/service/:id (with ContentHash), agent health.
OJson agentServiceJson(const ServiceRecord& s, const NodeInfo& node,
                       const std::string& contentHash = "");
// Consul's hash-blocking digest of an agent service (lowercase hex, no padding).
std::string agentServiceContentHash(const ServiceRecord& s, const NodeInfo& node);

// structs.HealthCheck as /agent/checks shows it (agent-local: indexes 0, Definition {}).
OJson agentCheckJson(const CheckRecord& c, const NodeInfo& node);
// structs.HealthCheck as the catalog/health endpoints show it (Definition, raft indexes).
OJson catalogCheckJson(const CheckRecord& c, const NodeInfo& node);
// api.HealthCheck as the agent health endpoints fill it (§2.4: Type "", zero Definition).
OJson agentHealthCheckJson(const CheckRecord& c, const NodeInfo& node);

// structs.Node (health entries, catalog nodes).
OJson nodeJson(const NodeInfo& node);
// structs.ServiceNode (/catalog/service/:name).
OJson catalogServiceNodeJson(const ServiceRecord& s, const NodeInfo& node);
// structs.NodeService (health entry `Service`).
OJson nodeServiceJson(const ServiceRecord& s);

// Go's time.RFC3339Nano for a wall-clock instant (UTC).
std::string rfc3339(std::chrono::system_clock::time_point t, bool nanos);

}  // namespace meshx::agent
