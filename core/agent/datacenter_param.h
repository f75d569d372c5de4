#pragma once

#include <optional>
#include <string>

#include "agent/agent_state.h"
#include "agent/api_call.h"

namespace meshx::agent {

// The `?dc=` of a request to an endpoint that takes one (catalog, health, KV, intentions, CA
// roots, status): the datacenter to answer for, "" meaning the agent's own. A datacenter the
// agent does not know (neither its own nor one a catalog registration named) is answered here
// with Consul's 500 `No path to datacenter`, and nullopt is returned. Agent thread only.
inline std::optional<std::string> datacenterOf(const ApiCall& call, const AgentState& state) {
    std::string dc = call.request().queryOr("dc");
    if (dc == state.node().datacenter) {
        dc.clear();
    }
    if (!state.knowsDatacenter(dc)) {
        call.text(500, "No path to datacenter");
        return std::nullopt;
    }
    return dc;
}

}  // namespace meshx::agent
