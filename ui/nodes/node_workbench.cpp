#include "ui/nodes/node_workbench.h"

#include "mesh/service_mesh.h"
#include "ui/shell/console_context.h"
#include "ui/shell/console_session.h"
#include "ui/shell/mesh_runner.h"

#ifdef MESHX_HAVE_EI_NODE
#include "node/node.h"
#include "node/term.h"
#endif

namespace meshx::ui {

NodeWorkbench::NodeWorkbench(QObject* parent) : QObject(parent), lane_(4) {}

NodeWorkbench::~NodeWorkbench() {
    stopNow();
}

bool NodeWorkbench::available() {
#ifdef MESHX_HAVE_EI_NODE
    return true;
#else
    return false;
#endif
}

#ifdef MESHX_HAVE_EI_NODE

namespace {

QString words(const Error& e) {
    return QString::fromStdString(e.message);
}

}  // namespace

void NodeWorkbench::start(ConsoleContext& context, const QString& name, const QString& cookie,
                          std::function<void(Status)> done) {
    if (node_) {
        done(makeError(Code::AlreadyStarted, "a node is running already: stop it first"));
        return;
    }
    if (cookie.isEmpty()) {
        done(makeError(Code::InvalidArgument, "the cookie is empty"));
        return;
    }
    context_ = &context;
    mesh::ServiceMesh* mesh = &context.session().mesh();
    node::NodeMeshSettings settings;
    settings.serviceTemplate = context.session().engine().defaultTemplate();
    settings.startTimeout = std::chrono::milliseconds(context.session().config().startTimeoutMs);
    settings.catalog = &context.session().api();
    // The node registers its service and its upstreams through the engine: the session (and
    // so the engine) outlives it, as stopNow() runs before the session goes.
    auto n = std::make_shared<node::Node>(*mesh, settings);
    lane_.run<Status>(
        this,
        [n, nodeName = name.trimmed().toStdString(), cookie = cookie.toStdString()] {
            return n->start(nodeName, cookie);
        },
        [this, n, done](Status s) {
            if (!s) {
                done(s);
                return;
            }
            node_ = n;
            name_ = n->name() ? QString::fromStdString(n->name()->toString()) : QString();
            listen_ = n->listenAddress() ? QString::fromStdString(n->listenAddress()->toString())
                                         : QString();
            serviceId_ = n->serviceId() ? QString::fromStdString(*n->serviceId()) : QString();
            if (context_) {
                context_->refresh();
            }
            emit stateChanged();
            done({});
        });
}

void NodeWorkbench::stop(std::function<void()> done) {
    auto n = std::move(node_);
    node_.reset();
    name_.clear();
    listen_.clear();
    serviceId_.clear();
    emit stateChanged();
    lane_.run<int>(
        this,
        [n] {
            if (n) {
                n->stop();  // also stops the node service, its sidecar and upstreams
            }
            return 0;
        },
        [this, done](int) {
            if (context_) {
                context_->refresh();
            }
            if (done) {
                done();
            }
        });
}

void NodeWorkbench::stopNow() {
    if (node_) {
        node_->stop();
    }
    lane_.waitForIdle();
    node_.reset();
    name_.clear();
    listen_.clear();
    serviceId_.clear();
    context_ = nullptr;
}

void NodeWorkbench::connectNode(const QString& peer, std::function<void(Status)> done) {
    if (!node_) {
        done(makeError(Code::InvalidState, "start a node first"));
        return;
    }
    auto n = node_;
    lane_.run<Status>(
        this, [n, peer = peer.trimmed().toStdString()] { return n->connect(peer); },
        std::move(done));
}

void NodeWorkbench::disconnectNode(const QString& peer, std::function<void(Status)> done) {
    if (!node_) {
        done(makeError(Code::InvalidState, "start a node first"));
        return;
    }
    auto n = node_;
    lane_.run<Status>(
        this, [n, peer = peer.trimmed().toStdString()] { return n->disconnect(peer); },
        std::move(done));
}

void NodeWorkbench::list(std::function<void(std::vector<Peer>)> done) {
    if (!node_) {
        done({});
        return;
    }
    auto n = node_;
    lane_.run<std::vector<Peer>>(
        this,
        [n] {
            std::vector<Peer> out;
            for (const auto& p : n->list()) {
                Peer q;
                q.name = QString::fromStdString(p.name);
                q.direction = p.direction == node::PeerDirection::Outgoing
                                  ? QStringLiteral("outgoing")
                                  : QStringLiteral("incoming");
                q.endpoint = QString::fromStdString(p.endpoint);
                q.handshakes = p.handshakes;
                q.ticks = p.ticks;
                out.push_back(q);
            }
            return out;
        },
        std::move(done));
}

void NodeWorkbench::rpc(const QString& peer, const QString& module, const QString& function,
                        const QString& argsText, std::function<void(Result<QString>)> done) {
    if (!node_) {
        done(makeError(Code::InvalidState, "start a node first"));
        return;
    }
    const QString text = argsText.trimmed().isEmpty() ? QStringLiteral("[]") : argsText;
    auto args = node::Term::parse(text.toStdString());
    if (!args) {
        done(args.error());
        return;
    }
    if (!args->isProperList()) {
        done(makeError(Code::InvalidArgument, "the arguments must be a list, like [1, two]"));
        return;
    }
    auto n = node_;
    lane_.run<Result<QString>>(
        this,
        [n, peer = peer.trimmed().toStdString(), m = module.trimmed().toStdString(),
         f = function.trimmed().toStdString(), a = *args]() -> Result<QString> {
            auto r = n->rpc(peer, m, f, a);
            if (!r) {
                return r.error();
            }
            return QString::fromStdString(r->toString());
        },
        std::move(done));
}

QString NodeWorkbench::argsError(const QString& argsText) {
    if (argsText.trimmed().isEmpty()) {
        return {};
    }
    auto args = node::Term::parse(argsText.toStdString());
    if (!args) {
        return words(args.error());
    }
    if (!args->isProperList()) {
        return tr("the arguments must be a list, like [1, two]");
    }
    return {};
}

#else  // no erl_interface: the page says so and every verb answers Unsupported.

namespace {
Error unavailable() {
    return makeError(Code::InvalidState, "this build has no Erlang node (erl_interface missing)");
}
}  // namespace

void NodeWorkbench::start(ConsoleContext&, const QString&, const QString&,
                          std::function<void(Status)> done) {
    done(unavailable());
}
void NodeWorkbench::stop(std::function<void()> done) {
    if (done) {
        done();
    }
}
void NodeWorkbench::stopNow() {}
void NodeWorkbench::connectNode(const QString&, std::function<void(Status)> done) {
    done(unavailable());
}
void NodeWorkbench::disconnectNode(const QString&, std::function<void(Status)> done) {
    done(unavailable());
}
void NodeWorkbench::list(std::function<void(std::vector<Peer>)> done) {
    done({});
}
void NodeWorkbench::rpc(const QString&, const QString&, const QString&, const QString&,
                        std::function<void(Result<QString>)> done) {
    done(unavailable());
}
QString NodeWorkbench::argsError(const QString&) {
    return {};
}

#endif

}  // namespace meshx::ui
