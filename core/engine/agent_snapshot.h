#pragma once

#include <map>
#include <string>
#include <vector>

#include "consul/agent_types.h"

namespace meshx::engine {

// What the agent said at the last look: its services and the checks of services on its node.
// Plain data, any thread.
struct AgentSnapshot {
    std::map<std::string, consul::AgentService> services;  // by service id
    std::vector<consul::HealthCheck> checks;               // service checks only
};

// Instances of a destination service over the whole catalog (GET /health/service/:name).
struct DestinationHealth {
    int passing = 0;  // instances whose every check passes
    int total = 0;
    bool known = false;  // false until the first answer
};

}  // namespace meshx::engine
