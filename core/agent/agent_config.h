#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "agent/agent_log.h"
#include "net/port_claim.h"

namespace meshx::agent {

// Settings of one dev agent (what `consul agent -dev` flags set, plus Meshx knobs).
struct AgentConfig {
    std::string nodeName;  // empty: the host name
    std::string nodeId;    // empty: a random UUID
    std::string datacenter = "dc1";
    // ACLs are enabled when set: requests need this token (management rights).
    std::string aclMasterToken;
    // "allow" or "deny"; empty: allow without ACLs, deny with them (Consul's default policy).
    std::string defaultIntentionPolicy;
    LogLevel logLevel = LogLevel::Info;
    bool prettyJson = true;  // a -dev agent always indents
    uint64_t maxRequestBodyBytes = 8ULL << 20;
    uint64_t kvMaxValueSize = 512 * 1024;
    int64_t sidecarMinPort = 21000;
    int64_t sidecarMaxPort = 21255;
    // Where sidecar ports are claimed host-wide (net::PortClaim), so dev agents of several
    // consoles, CLIs and tests on one machine never hand one port to two sidecars. Empty: no
    // claims.
    std::string sidecarPortClaimDir = net::PortClaim::defaultDirectory();
    std::chrono::seconds leafCertTtl = std::chrono::hours(72);
    // How often services critical for longer than DeregisterCriticalServiceAfter are removed.
    std::chrono::milliseconds reapInterval = std::chrono::seconds(30);

    bool aclsEnabled() const { return !aclMasterToken.empty(); }
    bool intentionsDefaultAllow() const {
        if (!defaultIntentionPolicy.empty()) {
            return defaultIntentionPolicy == "allow";
        }
        return !aclsEnabled();
    }
};

}  // namespace meshx::agent
