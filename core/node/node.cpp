#include "node/node.h"

#include <map>
#include <mutex>

#include "mesh/service_mesh.h"
#include "node/dist_listener.h"
#include "node/ei_node.h"
#include "node/mailbox.h"
#include "node/mesh_endpoint_resolver.h"
#include "node/node_service_defaults.h"
#include "node/peer_connection.h"
#include "node/rex_codec.h"

namespace meshx::node {

// The state behind Node's facade (kept here so node.h needs neither ei.h nor threads).
//
// Locking: `mutex_` guards the maps and the running state and is never held across a blocking
// call (dial, handshake, close/join, resolver). Dials to one node name are serialised by a
// per-name lock so concurrent callers share one handshake. `lifecycle_` serialises start/stop.
class Node::Impl {
  public:
    Impl(std::shared_ptr<NodeEndpointResolver> resolver, NodeOptions options)
        : resolver_(std::move(resolver)),
          options_(options),
          mailbox_(std::make_shared<Mailbox>(options.mailboxLimit)) {}

    // Through the mesh: the resolver is the mesh's, kept typed for release().
    Impl(mesh::ServiceMesh& mesh, NodeMeshSettings settings, NodeOptions options)
        : Impl(std::make_shared<MeshEndpointResolver>(mesh, settings.catalog,
                                                      settings.upstreamTemplate),
               options) {
        mesh_ = &mesh;
        meshResolver_ = std::static_pointer_cast<MeshEndpointResolver>(resolver_);
        meshSettings_ = std::move(settings);
    }

    ~Impl() { stop(); }

    Status start(std::string_view nodeName, std::string_view cookie, const net::Address& listen) {
        std::lock_guard life(lifecycle_);
        return startLocked(nodeName, cookie, listen);
    }

    Status startThroughMesh(std::string_view nodeName, std::string_view cookie) {
        std::lock_guard life(lifecycle_);
        if (!mesh_) {
            return makeError(Code::InvalidState, "this node was made without a mesh engine");
        }
        if (isStarted()) {
            return makeError(Code::AlreadyStarted,
                             "node " + name()->toString() + " is already started");
        }
        auto name = NodeName::parse(nodeName);
        if (!name) {
            return name.error();
        }
        const auto params = NodeServiceDefaults::service(*name);
        auto started =
            mesh_->start(mesh::ServiceParams::namedWithId(params.serviceName, params.serviceId),
                         meshSettings_.serviceTemplate, false, meshSettings_.startTimeout);
        if (!started) {
            return started.error();
        }
        if (auto s = startLocked(nodeName, cookie, started->address); !s) {
            (void)mesh_->stop(started->serviceId);
            return s;
        }
        std::lock_guard lock(mutex_);
        serviceId_ = started->serviceId;
        return {};
    }

    std::optional<std::string> serviceId() const {
        std::lock_guard lock(mutex_);
        return serviceId_;
    }

    Status startLocked(std::string_view nodeName, std::string_view cookie,
                       const net::Address& listen) {
        {
            std::lock_guard lock(mutex_);
            if (ei_) {
                return makeError(Code::AlreadyStarted,
                                 "node " + ei_->name().toString() + " is already started");
            }
        }
        auto name = NodeName::parse(nodeName);
        if (!name) {
            return name.error();
        }
        auto ei = std::make_shared<EiNode>();
        if (auto s = ei->init(*name, cookie); !s) {
            return s;
        }
        auto listening = ei->listen(listen);
        if (!listening) {
            return listening.error();
        }
        auto [fd, port] = *listening;
        auto listener = std::make_unique<DistListener>(
            *ei, fd, options_.connectTimeout,
            [this, ei](AcceptedPeer peer) { adoptIncoming(ei, std::move(peer)); });
        {
            std::lock_guard lock(mutex_);
            ei_ = ei;
            listenAddress_ = net::Address::tcp(listen.host(), port);
            ++generation_;
        }
        listener->start();
        listener_ = std::move(listener);
        return {};
    }

    void stop() {
        std::lock_guard life(lifecycle_);
        std::unique_ptr<DistListener> listener = std::move(listener_);
        if (listener) {
            // First, so no new incoming peer is added while we empty the map.
            listener->stop();
            refusedBefore_ += listener->refused();
        }
        std::map<std::string, std::shared_ptr<PeerConnection>> peers;
        std::optional<std::string> serviceId;
        {
            std::lock_guard lock(mutex_);
            peers.swap(peers_);
            handshakes_.clear();
            ei_.reset();
            listenAddress_.reset();
            serviceId.swap(serviceId_);
            ++generation_;
        }
        for (auto& [name, conn] : peers) {
            conn->close("node stopped");
        }
        if (serviceId && mesh_) {
            // Takes the sidecar, and with it every upstream, down too.
            (void)mesh_->stop(*serviceId);
            meshResolver_->forgetAll();
        }
    }

    bool isStarted() const {
        std::lock_guard lock(mutex_);
        return ei_ != nullptr;
    }

    std::optional<NodeName> name() const {
        std::lock_guard lock(mutex_);
        return ei_ ? std::optional<NodeName>(ei_->name()) : std::nullopt;
    }

    std::optional<net::Address> listenAddress() const {
        std::lock_guard lock(mutex_);
        return listenAddress_;
    }

    Result<std::shared_ptr<PeerConnection>> connection(std::string_view node) {
        auto remote = NodeName::parse(node);
        if (!remote) {
            return remote.error();
        }
        const std::string key = remote->toString();
        std::shared_ptr<EiNode> ei;
        std::shared_ptr<std::mutex> dialLock;
        {
            std::lock_guard lock(mutex_);
            if (!ei_) {
                return makeError(Code::InvalidState, "node not started");
            }
            if (*remote == ei_->name()) {
                return makeError(Code::InvalidArgument, key + " is this node");
            }
            if (auto it = peers_.find(key); it != peers_.end() && it->second->isOpen()) {
                return it->second;
            }
            auto& l = dialLocks_[key];
            if (!l) {
                l = std::make_shared<std::mutex>();
            }
            dialLock = l;
            ei = ei_;
        }

        std::lock_guard dialing(*dialLock);
        std::shared_ptr<PeerConnection> broken;
        uint64_t generation = 0;
        {
            std::lock_guard lock(mutex_);
            if (ei_ != ei) {
                return makeError(Code::InvalidState, "node stopped");
            }
            if (auto it = peers_.find(key); it != peers_.end()) {
                if (it->second->isOpen()) {
                    return it->second;  // another caller connected while we waited
                }
                broken = std::move(it->second);
                peers_.erase(it);
            }
            generation = generation_;
        }
        if (broken) {
            broken->close("connection lost");
        }

        // HA: every (re)connect asks the resolver again and runs a full handshake.
        auto endpoint = resolver_->resolve(*remote, ei->name());
        if (!endpoint) {
            return endpoint.error();
        }
        auto fd = ei->connect(*remote, *endpoint, options_.connectTimeout);
        if (!fd) {
            return fd.error();
        }
        auto conn = std::make_shared<PeerConnection>(ei, *fd, key, PeerDirection::Outgoing,
                                                     endpoint->toString(), mailbox_, options_);
        conn->start();
        std::shared_ptr<PeerConnection> replaced;
        {
            std::lock_guard lock(mutex_);
            if (generation != generation_) {
                replaced = conn;  // stopped (or restarted) meanwhile
                conn.reset();
            } else {
                replaced = std::move(peers_[key]);
                peers_[key] = conn;
                ++handshakes_[key];
            }
        }
        if (replaced) {
            replaced->close(conn ? "replaced by a new connection" : "node stopped");
        }
        if (!conn) {
            return makeError(Code::InvalidState, "node stopped");
        }
        return conn;
    }

    // Listener thread.
    void adoptIncoming(const std::shared_ptr<EiNode>& ei, AcceptedPeer peer) {
        auto conn =
            std::make_shared<PeerConnection>(ei, peer.fd, peer.node, PeerDirection::Incoming,
                                             "tcp://" + peer.address, mailbox_, options_);
        conn->start();
        std::shared_ptr<PeerConnection> replaced;
        {
            std::lock_guard lock(mutex_);
            replaced = std::move(peers_[peer.node]);
            peers_[peer.node] = conn;
            ++handshakes_[peer.node];
        }
        if (replaced) {
            replaced->close("replaced by a new connection");
        }
    }

    std::vector<PeerInfo> list() {
        std::vector<PeerInfo> out;
        std::vector<std::shared_ptr<PeerConnection>> dead;
        {
            std::lock_guard lock(mutex_);
            for (auto it = peers_.begin(); it != peers_.end();) {
                if (it->second->isOpen()) {
                    out.push_back(it->second->info(handshakes_[it->first]));
                    ++it;
                } else {
                    dead.push_back(std::move(it->second));
                    it = peers_.erase(it);
                }
            }
        }
        for (auto& conn : dead) {
            conn->close("connection lost");
        }
        return out;
    }

    Status disconnect(std::string_view node) {
        auto remote = NodeName::parse(node);
        if (!remote) {
            return remote.error();
        }
        std::shared_ptr<PeerConnection> conn;
        std::optional<NodeName> local;
        {
            std::lock_guard lock(mutex_);
            if (auto it = peers_.find(remote->toString()); it != peers_.end()) {
                conn = std::move(it->second);
                peers_.erase(it);
            }
            if (ei_) {
                local = ei_->name();
            }
        }
        const bool wasOpen = conn && conn->isOpen();
        if (conn) {
            conn->close(wasOpen ? "disconnected" : "connection lost");
        }
        bool hadUpstream = false;
        if (meshResolver_ && local) {
            auto released = meshResolver_->release(*remote, *local);
            if (!released) {
                return released.error();
            }
            hadUpstream = *released;
        }
        if (!wasOpen && !hadUpstream) {
            return makeError(Code::NotFound, "not connected to " + remote->toString());
        }
        return {};
    }

    Result<Term> rpc(std::string_view node, std::string_view module, std::string_view function,
                     const Term& args, std::optional<std::chrono::milliseconds> timeout) {
        auto wait = timeout.value_or(options_.callTimeout);
        for (int attempt = 0;; ++attempt) {
            auto conn = connection(node);
            if (!conn) {
                return conn.error();
            }
            auto outcome = (*conn)->call(module, function, args, wait);
            // A request that never left cannot have run: one retry on a fresh connection makes
            // "the peer died since the last call" invisible to the caller.
            if (!outcome.result && !outcome.sent && outcome.result.error().code == Code::Closed &&
                attempt == 0) {
                continue;
            }
            return std::move(outcome.result);
        }
    }

    std::optional<NodeMessage> receive(std::chrono::milliseconds timeout) {
        return mailbox_->pop(timeout);
    }

    uint64_t droppedMessages() const { return mailbox_->dropped(); }

    uint64_t refusedHandshakes() const {
        std::lock_guard life(lifecycle_);
        return refusedBefore_ + (listener_ ? listener_->refused() : 0);
    }

  private:
    const std::shared_ptr<NodeEndpointResolver> resolver_;
    const NodeOptions options_;
    // Set by the mesh constructor only, then read-only.
    mesh::ServiceMesh* mesh_ = nullptr;
    std::shared_ptr<MeshEndpointResolver> meshResolver_;
    NodeMeshSettings meshSettings_;
    const std::shared_ptr<Mailbox> mailbox_;

    mutable std::mutex lifecycle_;
    std::unique_ptr<DistListener> listener_;  // under lifecycle_
    uint64_t refusedBefore_ = 0;              // under lifecycle_

    mutable std::mutex mutex_;
    std::shared_ptr<EiNode> ei_;
    std::optional<net::Address> listenAddress_;
    std::optional<std::string> serviceId_;  // the node service, through the mesh
    uint64_t generation_ = 0;
    std::map<std::string, std::shared_ptr<PeerConnection>> peers_;
    std::map<std::string, uint64_t> handshakes_;
    std::map<std::string, std::shared_ptr<std::mutex>> dialLocks_;
};

Node::Node(std::shared_ptr<NodeEndpointResolver> resolver, NodeOptions options)
    : impl_(std::make_unique<Impl>(std::move(resolver), options)) {}

Node::Node(mesh::ServiceMesh& mesh, NodeMeshSettings settings, NodeOptions options)
    : impl_(std::make_unique<Impl>(mesh, std::move(settings), options)) {}

Node::~Node() = default;

Status Node::start(std::string_view nodeName, std::string_view cookie, const net::Address& listen) {
    return impl_->start(nodeName, cookie, listen);
}

Status Node::start(std::string_view nodeName, std::string_view cookie) {
    return impl_->startThroughMesh(nodeName, cookie);
}

std::optional<std::string> Node::serviceId() const {
    return impl_->serviceId();
}

void Node::stop() {
    impl_->stop();
}

bool Node::isStarted() const {
    return impl_->isStarted();
}

std::optional<NodeName> Node::name() const {
    return impl_->name();
}

std::optional<net::Address> Node::listenAddress() const {
    return impl_->listenAddress();
}

Status Node::connect(std::string_view node) {
    auto conn = impl_->connection(node);
    if (!conn) {
        return conn.error();
    }
    return {};
}

std::vector<PeerInfo> Node::list() const {
    return impl_->list();
}

Status Node::disconnect(std::string_view node) {
    return impl_->disconnect(node);
}

Result<Term> Node::rpc(std::string_view node, std::string_view module, std::string_view function,
                       const Term& args, std::optional<std::chrono::milliseconds> timeout) {
    return impl_->rpc(node, module, function, args, timeout);
}

Result<Term> Node::rpc(std::string_view node, std::string_view module, std::string_view function,
                       std::string_view argsText,
                       std::optional<std::chrono::milliseconds> timeout) {
    auto args = Term::parse(argsText.empty() ? std::string_view("[]") : argsText);
    if (!args) {
        return args.error();
    }
    return impl_->rpc(node, module, function, *args, timeout);
}

Result<Term> Node::spawn(std::string_view node, std::string_view module, std::string_view function,
                         const Term& args) {
    auto spawnArgs = RexCodec::spawnArgs(module, function, args);
    if (!spawnArgs) {
        return spawnArgs.error();
    }
    return impl_->rpc(node, "erlang", "spawn", *spawnArgs, std::nullopt);
}

Result<Term> Node::spawn(std::string_view node, std::string_view module, std::string_view function,
                         std::string_view argsText) {
    auto args = Term::parse(argsText.empty() ? std::string_view("[]") : argsText);
    if (!args) {
        return args.error();
    }
    return spawn(node, module, function, *args);
}

std::optional<NodeMessage> Node::receive(std::chrono::milliseconds timeout) {
    return impl_->receive(timeout);
}

uint64_t Node::droppedMessages() const {
    return impl_->droppedMessages();
}

uint64_t Node::refusedHandshakes() const {
    return impl_->refusedHandshakes();
}

}  // namespace meshx::node
