#pragma once

#include "common/result.h"
#include "net/address.h"
#include "node/node_name.h"

namespace meshx::node {

// Where to dial a node. The node core has no EPMD and no knowledge of the mesh: for every
// outgoing connection attempt (the first connect and each reconnect after a break) it asks this
// seam for a local TCP endpoint that leads to the remote node's distribution listener.
//
// The mesh engine implements it by adding an upstream for the remote node's service (see
// NodeServiceDefaults::upstream) and returning the upstream's local bind address; the sidecar
// then picks a healthy instance, which is what makes failover work. Tests resolve straight to a
// peer's listen port.
class NodeEndpointResolver {
  public:
    virtual ~NodeEndpointResolver() = default;

    // Returns the endpoint to dial for `remote`; `local` is our own node (MeshxNode passes it to
    // pick the sidecar that gets the upstream). Called on the thread that called Node::connect,
    // Node::rpc or Node::spawn, with no Node lock held, so it may block (up to the caller's
    // patience) and must be safe to call from several threads at once. Its error is returned
    // to the caller unchanged (NotFound for an unknown node is the convention). Only TCP
    // endpoints on IPv4 can be dialled (erl_interface's limit).
    virtual Result<net::Address> resolve(const NodeName& remote, const NodeName& local) = 0;
};

}  // namespace meshx::node
