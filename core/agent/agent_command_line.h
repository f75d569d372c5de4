#pragma once

#include <string>
#include <vector>

#include "agent/agent_config.h"
#include "common/result.h"
#include "net/address.h"

namespace meshx::agent {

// `meshx-agent` arguments, Go flag style like `consul agent` (`-flag value`, `-flag=value`,
// one or two dashes): -dev, -client ADDR (an IP, or unix:///path), -http-port N (0 = any free
// port), -node NAME, -node-id UUID, -datacenter DC, -acl-master-token T (alias
// -acl-initial-management-token), -default-intention-policy allow|deny, -log-level LEVEL,
// -leaf-cert-ttl DURATION, -sidecar-min-port / -sidecar-max-port N, -help, -version.
struct AgentCommandLine {
    AgentConfig config;
    net::Address listen = net::Address::tcp("127.0.0.1", 8500);
    bool dev = false;
    bool help = false;
    bool version = false;

    // Errors (InvalidArgument) read like Go's flag package: `flag provided but not defined:
    // -foo`, `invalid value "x" for flag -http-port: parse error`.
    static Result<AgentCommandLine> parse(const std::vector<std::string>& args);
};

extern const char* const kAgentUsage;

}  // namespace meshx::agent
