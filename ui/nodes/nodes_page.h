#pragma once

#include <QPointer>
#include <QWidget>

#include <memory>

namespace meshx::ui {

class ConsoleContext;
class HintLine;
class NodeWorkbench;

// The Nodes tab: start our Erlang node (name@host and a cookie — the cookie field is masked and
// its text is never shown, logged or kept by the page), connect to nodes through the mesh, list
// the connections, and rpc with Erlang-syntax arguments (checked as typed; a parse error shows
// under the field) and results printed in Erlang syntax.
// Thread: GUI thread.
class NodesPage : public QWidget {
    Q_OBJECT

  public:
    explicit NodesPage(QWidget* parent = nullptr);
    ~NodesPage() override;

    void setContext(ConsoleContext* context);
    NodeWorkbench& workbench() { return *workbench_; }

  private:
    void startNode();
    void connectPeer(bool connect);
    void callRpc();
    void refreshPeers();
    void updateWidgets();

    QPointer<ConsoleContext> context_;
    NodeWorkbench* workbench_;
    bool busy_ = false;
    HintLine* hint_ = nullptr;
    struct Widgets;
    std::unique_ptr<Widgets> w_;
};

}  // namespace meshx::ui
