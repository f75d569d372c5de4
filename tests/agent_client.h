#pragma once

// A ConsulClient for a test's AgentProcess, with an optional ACL token; null when the address
// does not parse or the client cannot be made.

#include <memory>
#include <string>

#include "agent_process.h"
#include "common/mesh_config.h"
#include "consul/consul_client.h"

inline std::unique_ptr<meshx::consul::ConsulClient> agentClient(const AgentProcess& agent,
                                                                const std::string& token = {}) {
    auto endpoint = meshx::AgentEndpoint::parse(agent.addressString());
    if (!endpoint) {
        return nullptr;
    }
    meshx::MeshConfig config;
    config.agent = *endpoint;
    config.token = token;
    auto client = meshx::consul::ConsulClient::create(config);
    return client ? std::move(*client) : nullptr;
}
