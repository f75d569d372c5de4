#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "agent/agent_records.h"
#include "agent/service_definition.h"
#include "common/result.h"

namespace meshx::agent {

// Turns a parent's `Connect.SidecarService` into the sidecar's own registration, exactly as
// Consul does (§2.6 of the reference): ID and Name `<parent>-sidecar-proxy`, Kind
// connect-proxy, tags/meta/address inherited, Proxy destination and local-app defaults, the
// lowest free port of the sidecar range, and the two default checks. Pure; any thread.
class SidecarExpander {
  public:
    // `skipPortsInUse`: also pass over ports another process on this machine listens on (beyond
    // Consul, which only avoids its own sidecars' ports).
    SidecarExpander(int64_t minPort = 21000, int64_t maxPort = 21255, bool skipPortsInUse = false)
        : minPort_(minPort), maxPort_(maxPort), skipPortsInUse_(skipPortsInUse) {}

    static std::string sidecarId(const std::string& parentId) {
        return parentId + "-sidecar-proxy";
    }

    // `parent.id` must already default to its name. `services` are the agent's current
    // services (for the port choice). Errors: range exhausted (Internal, Consul's text).
    Result<ServiceDefinition> expand(const ServiceDefinition& parent,
                                     const std::map<std::string, ServiceRecord>& services) const;

  private:
    Result<int64_t> pickPort(const std::string& sidecarId,
                             const std::map<std::string, ServiceRecord>& services) const;

    int64_t minPort_;
    int64_t maxPort_;
    bool skipPortsInUse_;
};

}  // namespace meshx::agent
