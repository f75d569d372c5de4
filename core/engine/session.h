#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/mesh_config.h"
#include "common/result.h"
#include "mesh/service_template.h"
#include "net/address.h"

namespace meshx::agent {
class DevAgent;
}
namespace meshx::consul {
class ConsulApi;
class ConsulClient;
}  // namespace meshx::consul
namespace meshx::mesh {
class ConsulMesh;
class ServiceMesh;
}  // namespace meshx::mesh
namespace meshx::rpc {
class RpcClientPool;
class RpcServer;
}  // namespace meshx::rpc
namespace meshx::telemetry {
class TelemetryBus;
}

namespace meshx::engine {

class AgentMonitor;
class CatalogWatch;
class IntentionsWatch;
class KvWatch;

// How a session reaches its agent.
struct SessionOptions {
    // Agent address, token, templates, port range...: defaults, config file, environment.
    MeshConfig config;
    // Start a dev agent in this process on 127.0.0.1 (a free port) and point the config at it.
    bool embeddedAgent = false;
};

// One user's engine: everything `meshx` commands and `meshx-console` talk to, wired once.
//
//   auto session = Session::open({config, /*embeddedAgent=*/true});
//   auto started = (*session)->mesh().start(params, (*session)->defaultTemplate(), false, 5s);
//
// It owns, and destroys in this order: the RPC servers and pools it was given (stopped, so no
// call runs into a service going away), the watches, the mesh engine (stops every service it
// started), the Consul client, and the embedded dev agent when there is one. Front ends see the
// parts through interfaces (ServiceMesh, ConsulApi), never ConsulMesh or the agent's internals.
//
// Thread: open and destroy on one thread (the GUI thread in the console). mesh() and api() are
// thread-safe (blocking; the console calls them from its runner's workers). The watches live on
// the opening thread and need its event loop once started.
class Session {
  public:
    // Errors: what the config, the client or the mesh refuse (InvalidArgument, a bad port range),
    // or the embedded agent cannot bind (IoError).
    static Result<std::unique_ptr<Session>> open(SessionOptions options);
    ~Session();
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    // Any thread.
    const MeshConfig& config() const { return config_; }
    consul::ConsulApi& api();
    mesh::ServiceMesh& mesh();
    // The template `start` uses when none is named, and named ones (config templates and proxy
    // kinds). Any thread.
    mesh::ServiceTemplate defaultTemplate() const;
    Result<mesh::ServiceTemplate> namedTemplate(const std::string& name) const;

    // Whether the agent is a dev agent of this process. Any thread.
    bool embedded() const { return devAgent_ != nullptr; }
    // `http://127.0.0.1:8500`, `unix:///path`: never the token. Any thread.
    std::string agentAddress() const;
    // The embedded agent going away and coming back on the same address, empty (what a real
    // agent restart looks like to the engine): tests and demos of recovery use these.
    // InvalidState without an embedded agent. Opening thread.
    Status stopEmbeddedAgent();
    Status restartEmbeddedAgent();

    // Agent watches: services, checks, destinations' health and agent self (monitor), the
    // intentions and their verdicts. Created here, started by the front end that reads them.
    // Opening thread.
    AgentMonitor& monitor();
    IntentionsWatch& intentions();
    // The catalog of one datacenter (nodes, every instance, health) and the KV store under one
    // prefix: one each per session, pointed where the front end looks (watch(dc), watch(prefix)).
    // Opening thread.
    CatalogWatch& catalog();
    KvWatch& kv();

    // RPC servers and client pools started on the user's behalf: the session stops them before
    // it stops the mesh services they serve through. Any thread.
    void adopt(std::shared_ptr<rpc::RpcServer> server);
    void adopt(std::shared_ptr<rpc::RpcClientPool> pool);

    // Telemetry sources: the in-process bus every part of this process publishes on (RPC,
    // node, mesh lifecycle, agent reachability). Any thread.
    telemetry::TelemetryBus& telemetry();

  private:
    Session() = default;
    void stopRpc();

    MeshConfig config_;
    std::unique_ptr<agent::DevAgent> devAgent_;
    net::Address embeddedAddress_;  // where the embedded agent serves, for restarts
    std::unique_ptr<consul::ConsulClient> client_;
    std::unique_ptr<mesh::ConsulMesh> mesh_;
    std::unique_ptr<AgentMonitor> monitor_;
    std::unique_ptr<IntentionsWatch> intentions_;
    std::unique_ptr<CatalogWatch> catalog_;
    std::unique_ptr<KvWatch> kv_;
    std::mutex rpcMutex_;
    std::vector<std::shared_ptr<rpc::RpcServer>> servers_;
    std::vector<std::shared_ptr<rpc::RpcClientPool>> pools_;
};

}  // namespace meshx::engine
