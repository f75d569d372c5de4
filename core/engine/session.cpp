#include "engine/session.h"

#include "agent/dev_agent.h"
#include "consul/consul_client.h"
#include "engine/agent_monitor.h"
#include "engine/catalog_watch.h"
#include "engine/intentions_watch.h"
#include "engine/kv_watch.h"
#include "mesh/consul_mesh.h"
#include "mesh/proxy_kind_registry.h"
#include "rpc/rpc_client_pool.h"
#include "rpc/rpc_server.h"
#include "telemetry/telemetry_bus.h"

namespace meshx::engine {

Result<std::unique_ptr<Session>> Session::open(SessionOptions options) {
    std::unique_ptr<Session> s(new Session());
    MeshConfig config = std::move(options.config);
    // The config's proxy kinds must not shadow a registered one: say so now, not at a start.
    if (auto kinds = mesh::ProxyKindRegistry::global().withConfig(config); !kinds) {
        return kinds.error();
    }
    if (options.embeddedAgent) {
        agent::AgentConfig agentConfig;
        agentConfig.logLevel = agent::LogLevel::Warn;
        s->devAgent_ = std::make_unique<agent::DevAgent>(agentConfig);
        auto bound = s->devAgent_->start(net::Address::tcp("127.0.0.1", 0));
        if (!bound) {
            return makeError(bound.error().code,
                             "cannot start the embedded dev agent: " + bound.error().message);
        }
        s->embeddedAddress_ = *bound;
        auto endpoint = AgentEndpoint::parse(s->devAgent_->httpAddress());
        if (!endpoint) {
            return endpoint.error();
        }
        config.agent = *endpoint;
    }
    auto client = consul::ConsulClient::create(config);
    if (!client) {
        return client.error();
    }
    s->client_ = std::move(*client);
    auto mesh = mesh::ConsulMesh::create(*s->client_, config);
    if (!mesh) {
        return mesh.error();
    }
    s->mesh_ = std::move(*mesh);
    s->monitor_ = std::make_unique<AgentMonitor>(*s->client_);
    s->intentions_ = std::make_unique<IntentionsWatch>(*s->client_);
    s->catalog_ = std::make_unique<CatalogWatch>(*s->client_);
    s->kv_ = std::make_unique<KvWatch>(*s->client_);
    s->config_ = std::move(config);
    return s;
}

Session::~Session() {
    stopRpc();
    kv_.reset();
    catalog_.reset();
    intentions_.reset();
    monitor_.reset();
    mesh_.reset();
    client_.reset();
    if (devAgent_) {
        devAgent_->stop();
    }
}

void Session::stopRpc() {
    std::lock_guard lock(rpcMutex_);
    for (auto& pool : pools_) {
        pool->stop();
    }
    for (auto& server : servers_) {
        server->stop();
    }
    pools_.clear();
    servers_.clear();
}

consul::ConsulApi& Session::api() {
    return *client_;
}

mesh::ServiceMesh& Session::mesh() {
    return *mesh_;
}

mesh::ServiceTemplate Session::defaultTemplate() const {
    return mesh::defaultServiceTemplate(config_);
}

Result<mesh::ServiceTemplate> Session::namedTemplate(const std::string& name) const {
    return mesh::namedServiceTemplate(config_, name);
}

std::string Session::agentAddress() const {
    return config_.agent.toString();
}

Status Session::stopEmbeddedAgent() {
    if (!devAgent_) {
        return makeError(Code::InvalidState, "the agent is not embedded in this process");
    }
    devAgent_->stop();
    return {};
}

Status Session::restartEmbeddedAgent() {
    if (!devAgent_) {
        return makeError(Code::InvalidState, "the agent is not embedded in this process");
    }
    devAgent_->stop();
    auto bound = devAgent_->start(embeddedAddress_);
    if (!bound) {
        return bound.error();
    }
    return {};
}

AgentMonitor& Session::monitor() {
    return *monitor_;
}

IntentionsWatch& Session::intentions() {
    return *intentions_;
}

CatalogWatch& Session::catalog() {
    return *catalog_;
}

KvWatch& Session::kv() {
    return *kv_;
}

void Session::adopt(std::shared_ptr<rpc::RpcServer> server) {
    std::lock_guard lock(rpcMutex_);
    servers_.push_back(std::move(server));
}

void Session::adopt(std::shared_ptr<rpc::RpcClientPool> pool) {
    std::lock_guard lock(rpcMutex_);
    pools_.push_back(std::move(pool));
}

telemetry::TelemetryBus& Session::telemetry() {
    return telemetry::TelemetryBus::global();
}

}  // namespace meshx::engine
