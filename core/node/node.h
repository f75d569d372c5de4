#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "mesh/service_template.h"
#include "net/address.h"
#include "node/node_endpoint_resolver.h"
#include "node/node_name.h"
#include "node/node_types.h"
#include "node/term.h"

namespace meshx::mesh {
class ServiceMesh;
}
namespace meshx::consul {
class ConsulApi;
}

namespace meshx::node {

// How a Node uses the mesh engine (the Node(ServiceMesh&, ...) constructor).
struct NodeMeshSettings {
    // What start(name, cookie) registers the node service with, e.g.
    // ConsulMesh::defaultTemplate() (a TTL check and a meshx-proxy sidecar).
    mesh::ServiceTemplate serviceTemplate;
    // What connect() adds to our sidecar for a remote node (DestinationName {{name}}).
    nlohmann::json upstreamTemplate = mesh::defaultUpstreamTemplate();
    // How long start() waits for the node service to pass.
    std::chrono::milliseconds startTimeout{5000};
    // Optional: with it, a node whose service has no passing instance is NotFound at once
    // (see MeshEndpointResolver). Must outlive the node.
    consul::ConsulApi* catalog = nullptr;
};

// A hidden Erlang node made with erl_interface, reached through the mesh instead of EPMD.
//
//   Node node(mesh, settings);          // through the mesh engine (MeshxNode's way)
//   node.start("cli@h11", cookie);      // registers node service cli@h11, listens on its port
//   node.connect("service@any");        // upstream service@any on the sidecar of cli@h11
//
//   Node node(resolver);                // or any resolver, listening where told
//   node.start("cli@h11", cookie, net::Address::tcp("127.0.0.1", port));
//   node.rpc("service@any", "erlang", "node", "[]")   -> 'service@any'
//   node.spawn("service@any", "timer", "sleep", "[60000]")  -> <0.91.0>
//
// Outgoing connections: the resolver gives a local endpoint per node (the mesh upstream); we dial
// it and run the handshake, no EPMD. When a connection breaks, the next connect/rpc/spawn asks
// the resolver again and runs a fresh handshake, so a sidecar that fails over to another
// instance of the node service gives a working connection again.
// Incoming connections: peers that pass the cookie check on our listener are kept and usable
// for rpc like outgoing ones. One connection per peer name; a newer one replaces an older one.
//
// How real erl nodes fit (verified on OTP 25, details in docs/erlang-peers.md):
//   peer that we dial:  erl -sname NAME -setcookie C -start_epmd false -erl_epmd_port PORT
//                       (listens on PORT, needs no EPMD; `-kernel inet_dist_listen_min/max`
//                       alone still registers with EPMD and fails, and is ignored when
//                       -erl_epmd_port is given)
//   peer that dials us: erl -name N@127.0.0.1 -setcookie C -start_epmd false -dist_listen false
//                       -erl_epmd_port OUR_PORT   (dials every node at OUR_PORT on its host,
//                       and, not listening itself, does not clash with that port)
//
// Threads: every method may be called from any thread, concurrently. The blocking ones (start,
// connect, rpc, spawn, receive, disconnect, stop) block the calling thread for at most their
// timeouts, so never call them from a GUI thread. Internally each connection has a receive
// thread (it answers net_kernel ticks, so idle connections stay up) and the listener has one
// accept thread; the resolver runs on the caller's thread.
//
// Errors: InvalidArgument (bad node name, module, args), ParseError (args text), InvalidState
// (not started), NotFound (resolver: unknown node; disconnect: not connected), IoError
// (unreachable), PermissionDenied (peer closed or reset the connection during the handshake:
// wrong cookie?), Timeout, Closed (connection lost during the call: the peer died), RemoteError
// "badrpc from ..." (the remote call raised; see node_error.h), and the mesh engine's and
// agent's errors when it is used. The node keeps running after any of them. The cookie is
// never logged nor put in an error.
class Node {
  public:
    // Any thread. The resolver is kept for the node's life.
    explicit Node(std::shared_ptr<NodeEndpointResolver> resolver, NodeOptions options = {});
    // Through the mesh engine: start(name, cookie) registers the node service (service params
    // from the name, NodeServiceDefaults::service), connect() resolves with a
    // MeshEndpointResolver on the sidecar of that service, disconnect() also removes the
    // upstream, stop() also stops the node service. `mesh` must outlive the node.
    Node(mesh::ServiceMesh& mesh, NodeMeshSettings settings, NodeOptions options = {});
    ~Node();  // stop(); not while another thread still uses the node
    Node(const Node&) = delete;
    Node& operator=(const Node&) = delete;

    // Names the node (`name@host`), sets the cookie and listens on `listen` (TCP/IPv4; port 0
    // picks a free one, see listenAddress()). AlreadyStarted if running. Any thread; returns
    // once listening (the accept thread runs from then on).
    Status start(std::string_view nodeName, std::string_view cookie, const net::Address& listen);
    // Through the mesh (the mesh constructor; InvalidState otherwise): starts the node service
    // and listens on the endpoint the mesh gives it. On any failure nothing stays registered.
    // Any thread; blocks up to NodeMeshSettings::startTimeout and the agent's replies.
    Status start(std::string_view nodeName, std::string_view cookie);

    // Closes every connection (calls in flight fail with Closed) and the listener, and stops
    // the node service (with its sidecar and upstreams) when started through the mesh.
    // Idempotent. Any thread; blocks until the node's threads have ended.
    void stop();

    // Any thread, non-blocking.
    bool isStarted() const;
    std::optional<NodeName> name() const;
    // The address actually listened on (with the chosen port); nullopt when stopped. Any thread.
    std::optional<net::Address> listenAddress() const;
    // The node service id when started through the mesh; nullopt otherwise. Any thread.
    std::optional<std::string> serviceId() const;

    // Connected already, or resolve + dial + handshake now. Any thread; blocks for the resolver
    // and up to connectTimeout per socket step.
    Status connect(std::string_view node);

    // Open connections, sorted by name. Any thread; brief (connections found dead are closed on
    // the way, their threads having ended already).
    std::vector<PeerInfo> list() const;

    // Closes the connection (calls in flight on it fail with Closed) and, through the mesh,
    // removes the node's upstream from our sidecar. NotFound if there was neither. Any thread.
    Status disconnect(std::string_view node);

    // `Module:Function(Args...)` on `node` through its rex server, like :erpc.call; connects
    // first if needed. `args` must be a proper list. The result prints with toString().
    // Any thread, several at once (each call has its own reply pid); blocks up to `timeout`
    // (default NodeOptions::callTimeout) after connecting.
    Result<Term> rpc(std::string_view node, std::string_view module, std::string_view function,
                     const Term& args, std::optional<std::chrono::milliseconds> timeout = {});
    // Same with the argument list as Erlang text, e.g. "[[1,2,3]]".
    Result<Term> rpc(std::string_view node, std::string_view module, std::string_view function,
                     std::string_view argsText,
                     std::optional<std::chrono::milliseconds> timeout = {});

    // erlang:spawn(Module, Function, Args) on `node`; the pid prints as the node prints it
    // (`<0.91.0>`). Any thread; blocks like rpc.
    Result<Term> spawn(std::string_view node, std::string_view module, std::string_view function,
                       const Term& args);
    Result<Term> spawn(std::string_view node, std::string_view module, std::string_view function,
                       std::string_view argsText);

    // The next message a peer sent to a registered name on our node (`{Name, Node} ! Msg`),
    // waiting up to `timeout`. Any thread.
    std::optional<NodeMessage> receive(std::chrono::milliseconds timeout);

    // Counters for the console and telemetry. Any thread, non-blocking.
    uint64_t droppedMessages() const;
    uint64_t refusedHandshakes() const;

  private:
    class Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace meshx::node
