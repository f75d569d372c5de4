#pragma once

#include <QObject>
#include <QString>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "ui/shared/background_lane.h"

namespace meshx::node {
class Node;
struct PeerInfo;
}  // namespace meshx::node

namespace meshx::ui {

class ConsoleContext;

// The Nodes page's engine-side state: one hidden Erlang node of ours, registered as a node
// service through the mesh (MeshxNode's defaults: name and id are the node name) and reaching
// other nodes through upstreams on that service's sidecar. The guided demos E1 and E2 drive the
// same object.
//
// The cookie goes straight into the node and is never kept, printed or put in an error here.
// Every node and engine call runs off the GUI thread; `done` runs on the GUI thread.
// Thread: GUI thread. The context must outlive the workbench's use of it (call stop() first).
class NodeWorkbench : public QObject {
    Q_OBJECT

  public:
    struct Peer {
        QString name;
        QString direction;  // "outgoing" or "incoming"
        QString endpoint;
        quint64 handshakes = 0;
        quint64 ticks = 0;
    };

    explicit NodeWorkbench(QObject* parent = nullptr);
    // Stops the node (the session stops its service itself).
    ~NodeWorkbench() override;

    // True when this build has the Erlang node (erl_interface).
    static bool available();

    // Registers the node service, then starts the node listening on its endpoint.
    void start(ConsoleContext& context, const QString& name, const QString& cookie,
               std::function<void(Status)> done);
    // Stops the node, then stops and deregisters its service.
    void stop(std::function<void()> done = {});
    // The same, blocking (bounded by the node's timeouts): for a session about to go away.
    void stopNow();
    bool started() const { return node_ != nullptr; }
    QString name() const { return name_; }
    QString listenAddress() const { return listen_; }
    QString serviceId() const { return serviceId_; }

    void connectNode(const QString& peer, std::function<void(Status)> done);
    void disconnectNode(const QString& peer, std::function<void(Status)> done);
    void list(std::function<void(std::vector<Peer>)> done);
    // `Module:Function(Args)` on `peer`; `argsText` is an Erlang list (`[]` when empty). The
    // result (or the error) comes back printed in Erlang syntax / words.
    void rpc(const QString& peer, const QString& module, const QString& function,
             const QString& argsText, std::function<void(Result<QString>)> done);

    // The parse error of `argsText` as an Erlang argument list, or empty when it parses. Pure.
    static QString argsError(const QString& argsText);

  signals:
    void stateChanged();

  private:
    BackgroundLane lane_;
    ConsoleContext* context_ = nullptr;
    std::shared_ptr<node::Node> node_;
    QString name_;
    QString listen_;
    QString serviceId_;
};

}  // namespace meshx::ui
