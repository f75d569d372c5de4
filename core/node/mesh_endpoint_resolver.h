#pragma once

#include <chrono>
#include <mutex>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "node/node_endpoint_resolver.h"

namespace meshx::mesh {
class ServiceMesh;
}
namespace meshx::consul {
class ConsulApi;
}

namespace meshx::node {

// The mesh's NodeEndpointResolver, as MeshxNode resolves a node: the remote node's service
// becomes an upstream on the sidecar of our own node service (NodeServiceDefaults::upstream),
// and the upstream's local bind address is what the node dials. The sidecar picks a healthy
// instance of the service for every new connection, which is what makes failover work: after a
// break the same endpoint leads to another instance.
//
//   resolve(other@h2, cli@h11)  -> mesh.connect(["other@h2"], upstreamTemplate,
//                                               {cli@h11, cli@h11}) -> tcp://127.0.0.1:65531
//
// With a catalog (optional), a node whose service has no passing instance is NotFound ("no
// healthy instance of node service X") before any upstream is added; without one, an unknown
// node shows up as a refused connection or handshake. A freshly added upstream is only returned
// once the sidecar listens on it (it picks the change up from the agent), bounded by
// `listenTimeout`: Timeout otherwise.
//
// Thread: any (the interface's rule); `mesh` and `catalog` are thread-safe and must outlive
// this resolver. Errors of the mesh and the agent are passed on unchanged.
class MeshEndpointResolver : public NodeEndpointResolver {
  public:
    MeshEndpointResolver(mesh::ServiceMesh& mesh, consul::ConsulApi* catalog,
                         nlohmann::json upstreamTemplate,
                         std::chrono::milliseconds listenTimeout = std::chrono::seconds(15));

    // NodeEndpointResolver
    Result<net::Address> resolve(const NodeName& remote, const NodeName& local) override;

    // Removes `remote`'s upstream from our sidecar (the mesh's disconnect, without a proxy
    // restart). True when there was one. Any thread.
    Result<bool> release(const NodeName& remote, const NodeName& local);

    // Forgets which upstreams were seen listening (our sidecar was stopped). Any thread.
    void forgetAll();

  private:
    Status requireHealthyInstance(const std::string& service);

    mesh::ServiceMesh& mesh_;
    consul::ConsulApi* catalog_;
    const nlohmann::json upstreamTemplate_;
    const std::chrono::milliseconds listenTimeout_;
    std::mutex mutex_;
    std::set<std::string> listening_;  // "proxyId upstream" pairs seen accepting connections
};

}  // namespace meshx::node
