#pragma once

#include <QPointer>
#include <QWidget>

#include <memory>

namespace meshx::ui {

class ConsoleContext;
class HintLine;
class RpcWorkbench;

// The RPC tab: start an RPC server with the demo functions (echo, ping, do_work, hostname) on a
// new mesh service, or open a client pool on an upstream (connected through the engine); call or
// cast a function with a JSON argument and see the result; run load (N calls, concurrency,
// do_work's min/max sleep) and see which instance served each call, one column per run.
//
// Engine calls go through the session's runner; RPC calls through the workbench's threads.
// Thread: GUI thread.
class RpcPage : public QWidget {
    Q_OBJECT

  public:
    explicit RpcPage(QWidget* parent = nullptr);
    ~RpcPage() override;

    // The session's context, or null when it goes: then the pool closes and the server stops
    // (the session stops its services itself).
    void setContext(ConsoleContext* context);
    RpcWorkbench& workbench() { return *workbench_; }
    // Makes the running service `serviceId` (as the agent lists it) the one "Attach" uses;
    // false when the agent does not list it (yet).
    bool selectAgentService(const QString& serviceId);
    // Opens the pool directly on the chosen running instance's address (any MeshxRpc server the
    // agent lists, started by this console or not) and waits for a first ping.
    void attachToInstance();

  signals:
    // After "Connect + open pool": true once a first ping came back through the upstream.
    void poolReady(bool ok);

  private:
    static constexpr int kAddressRole = Qt::UserRole;
    static constexpr int kNameRole = Qt::UserRole + 1;
    static constexpr int kIdRole = Qt::UserRole + 2;

    void refreshAgentServices();
    void startServer();
    void stopServer();
    void openPool();
    void closePool();
    void callFunction(bool cast);
    void runLoad();
    void updateWidgets();

    QPointer<ConsoleContext> context_;
    RpcWorkbench* workbench_;
    QString serverServiceId_;
    bool busy_ = false;
    HintLine* hint_ = nullptr;
    struct Widgets;
    std::unique_ptr<Widgets> w_;
};

}  // namespace meshx::ui
