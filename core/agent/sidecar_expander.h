#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "agent/agent_records.h"
#include "agent/service_definition.h"
#include "common/result.h"
#include "net/port_claim.h"

namespace meshx::agent {

// Turns a parent's `Connect.SidecarService` into the sidecar's own registration, exactly as
// Consul does (§2.6 of the reference): ID and Name `<parent>-sidecar-proxy`, Kind
// connect-proxy, tags/meta/address inherited, Proxy destination and local-app defaults, the
// lowest free port of the sidecar range, and the two default checks. Pure but for the port
// claim it may hand back; any thread.
class SidecarExpander {
  public:
    // `skipPortsInUse`: also pass over ports another process on this machine listens on (beyond
    // Consul, which only avoids its own sidecars' ports).
    // `claimDirectory`: when set, a picked port must also be claimed there (net::PortClaim, the
    // engines' claims). Consul runs one agent per host and so never needs this; dev agents run
    // one per console or test, and two of them picking 21000 at the same instant would give two
    // sidecars one port (the second fails to bind, and its service's callers reach the first).
    SidecarExpander(int64_t minPort = 21000, int64_t maxPort = 21255, bool skipPortsInUse = false,
                    std::string claimDirectory = {})
        : minPort_(minPort),
          maxPort_(maxPort),
          skipPortsInUse_(skipPortsInUse),
          claimDirectory_(std::move(claimDirectory)) {}

    static std::string sidecarId(const std::string& parentId) {
        return parentId + "-sidecar-proxy";
    }

    // `parent.id` must already default to its name. `services` are the agent's current
    // services (for the port choice). When a new port was picked and claimed, `claim` (if given)
    // receives the claim, to be held as long as the sidecar is registered. Errors: range
    // exhausted (Internal, Consul's text); claim directory unusable (IoError).
    Result<ServiceDefinition> expand(const ServiceDefinition& parent,
                                     const std::map<std::string, ServiceRecord>& services,
                                     std::unique_ptr<net::PortClaim>* claim = nullptr) const;

  private:
    Result<int64_t> pickPort(const std::string& sidecarId,
                             const std::map<std::string, ServiceRecord>& services,
                             std::unique_ptr<net::PortClaim>* claim) const;

    int64_t minPort_;
    int64_t maxPort_;
    bool skipPortsInUse_;
    std::string claimDirectory_;
};

}  // namespace meshx::agent
