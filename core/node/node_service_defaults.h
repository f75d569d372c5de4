#pragma once

#include <string>

#include "node/node_name.h"

namespace meshx::node {

// What the mesh layer registers for a node, using MeshxNode's defaults so that Elixir nodes
// running MeshxNode and our nodes find each other under the same service names:
//
//   start `mynode@myhost`   -> a "node service" named `mynode@myhost` with id `mynode@myhost`
//   connect `other@h2`      -> an upstream to the service `other@h2`, added on the sidecar of
//                              our own node service (proxy name and id both our node name)
//
// The node core never calls the mesh itself; the engine applies these when it implements
// NodeEndpointResolver and when it chooses the listen address passed to Node::start.
struct NodeServiceParams {
    std::string serviceName;
    std::string serviceId;
};

struct NodeUpstreamParams {
    std::string upstreamName;      // the remote node's service
    std::string proxyServiceName;  // the service whose sidecar gets the upstream
    std::string proxyServiceId;
};

// Pure functions; any thread.
class NodeServiceDefaults {
  public:
    static NodeServiceParams service(const NodeName& local);
    static NodeUpstreamParams upstream(const NodeName& remote, const NodeName& local);
};

}  // namespace meshx::node
