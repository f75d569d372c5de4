#include "cli/mesh_session.h"

#include "agent/dev_agent.h"
#include "consul/consul_client.h"
#include "mesh/consul_mesh.h"

namespace meshx::cli {

MeshSession::~MeshSession() {
    // Services first (they deregister through the client), then the client, then the agent.
    mesh.reset();
    client.reset();
    if (embeddedAgent) {
        embeddedAgent->stop();
    }
}

Result<std::unique_ptr<MeshSession>> MeshSession::open(std::vector<std::string>& args) {
    auto session = std::make_unique<MeshSession>();
    auto config = MeshConfig::load();
    if (!config) {
        return config.error();
    }
    session->config = *config;
    bool embedded = false;
    for (auto it = args.begin(); it != args.end();) {
        if (*it == "--embedded-agent") {
            embedded = true;
            it = args.erase(it);
        } else if (*it == "--agent") {
            if (it + 1 == args.end()) {
                return makeError(Code::InvalidArgument, "--agent needs an address");
            }
            auto ep = AgentEndpoint::parse(*(it + 1));
            if (!ep) {
                return ep.error();
            }
            session->config.agent = *ep;
            it = args.erase(it, it + 2);
        } else {
            ++it;
        }
    }
    if (embedded) {
        agent::AgentConfig agentConfig;
        agentConfig.logLevel = agent::LogLevel::Warn;
        session->embeddedAgent = std::make_unique<agent::DevAgent>(agentConfig);
        auto bound = session->embeddedAgent->start(net::Address::tcp("127.0.0.1", 0));
        if (!bound) {
            return bound.error();
        }
        auto ep = AgentEndpoint::parse(session->embeddedAgent->httpAddress());
        if (!ep) {
            return ep.error();
        }
        session->config.agent = *ep;
    }
    auto client = consul::ConsulClient::create(session->config);
    if (!client) {
        return client.error();
    }
    session->client = std::move(*client);
    auto mesh = mesh::ConsulMesh::create(*session->client, session->config);
    if (!mesh) {
        return mesh.error();
    }
    session->mesh = std::move(*mesh);
    return session;
}

}  // namespace meshx::cli
