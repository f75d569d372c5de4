#pragma once

#include <QObject>
#include <QPointer>
#include <QStringList>
#include <QTemporaryDir>
#include <QTimer>

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <vector>

#include "common/result.h"
#include "ui/demo/demo_script.h"
#include "ui/shared/background_lane.h"

namespace meshx::ui {

class ConsoleContext;
class DemoProcess;
class InstanceCountModel;
class NodeWorkbench;
class RpcWorkbench;

// Runs one DemoScript against the console's session: step by step (next()) or unattended
// (runAll()), each step under a deadline, then a final clean-up step that stops every process
// the demo launched (SIGTERM, then SIGKILL past a deadline), closes its pool or node, removes
// the upstream (and the proxy service when the demo started it) and deregisters what a killed
// provider left behind, then checks that nothing of the demo is left. A failed step skips to the
// clean-up. Destroying the controller, or the session going away, cleans up at once (blocking,
// bounded).
//
// Steps use the helpers below; every blocking call runs on the controller's worker threads.
// Thread: GUI thread.
class DemoController : public QObject {
    Q_OBJECT

  public:
    enum class StepState { Pending, Running, Passed, Failed, Skipped };

    DemoController(DemoScript script, ConsoleContext& context, QObject* parent = nullptr);
    ~DemoController() override;

    const DemoScript& script() const { return script_; }
    int stepCount() const { return static_cast<int>(script_.steps.size()); }
    StepState stepState(int i) const { return states_[static_cast<size_t>(i)]; }
    QString stepNote(int i) const { return notes_[static_cast<size_t>(i)]; }
    int currentStep() const { return current_; }
    bool running() const { return running_; }
    bool finished() const { return finished_; }
    bool allPassed() const;

    // Runs the current step (manual mode).
    void next();
    // Runs every remaining step without waiting for Next.
    void runAll();
    // Skips to the clean-up step and runs it.
    void abort();
    // Stops everything now, blocking (bounded): window close, session teardown.
    void cleanupNow();

    // --- for steps ---
    ConsoleContext& context();
    RpcWorkbench& rpc() { return *rpc_; }
    NodeWorkbench& node() { return *node_; }
    InstanceCountModel& counts();
    void log(const QString& text);
    // Where meshx, meshx-proxy and meshx-console live (default: next to this program).
    static void setBinDir(const QString& dir);
    static QString binDir();
    // Starts `<bin>/meshx ARGS` with `--agent` pointing at the session's agent; `shown` is the
    // command as the log prints it (no secrets). `services` are the ids it registers (checked
    // and, if left behind, deregistered at clean-up).
    DemoProcess* launchMeshx(const QString& label, const QStringList& args,
                             const QStringList& services);
    DemoProcess* process(const QString& label) const;
    // The session's agent, as `--agent` takes it.
    QString agentAddress() const;
    // A fresh random cookie for this run (never logged) and a HOME holding it as
    // .erlang.cookie, so `erl` reads it without a -setcookie on its command line.
    QString cookie() const { return cookie_; }
    QString cookieHome() const;
    // Called when the demo connected `upstream` on `proxyId`'s sidecar (clean-up removes it;
    // `ownsProxy`: the demo started that proxy service, so clean-up stops it too).
    void noteUpstream(const QString& upstream, const QString& proxyId, bool ownsProxy);

    // Polls `test` (GUI thread, cheap) every 100 ms until true or `timeoutMs`.
    void waitUntil(std::function<bool()> test, int timeoutMs, std::function<void(bool)> done);
    // True while the Services view (the context's model) still lists a service of the demo.
    bool showsDemoServices() const;
    // Waits for a line of `p` for which `match` is true; fails early when `p` exits.
    void waitForLine(DemoProcess* p, std::function<bool(const QString&)> match, int timeoutMs,
                     std::function<void(Result<QString>)> done);
    // Runs `probe` off the GUI thread every 250 ms until it answers true or `timeoutMs`; an
    // error answer is kept as the reason and probing goes on.
    void probeUntil(std::function<Result<bool>()> probe, int timeoutMs,
                    std::function<void(Status)> done);
    // One blocking job off the GUI thread.
    template <typename R>
    void offGui(std::function<R()> work, std::function<void(R)> done) {
        lane_.run<R>(this, std::move(work), std::move(done));
    }
    // Passing instances of `service` that the agent's health API lists through Connect.
    Result<int> passingConnectInstances(const std::string& service);

  signals:
    void stepChanged(int index);
    void logLine(const QString& text);
    // After the clean-up step: `ok` when every step passed.
    void demoFinished(bool ok);

  private:
    void runStep(int index);
    void stepDone(int index, uint64_t token, Result<QString> result);
    void cleanupAsync(DemoStep::Done done);
    Result<QString> cleanupRegistrations(bool verify);

    DemoScript script_;
    QPointer<ConsoleContext> context_;
    RpcWorkbench* rpc_;
    NodeWorkbench* node_;
    BackgroundLane lane_;
    std::vector<StepState> states_;
    std::vector<QString> notes_;
    int current_ = 0;
    bool running_ = false;
    bool auto_ = false;
    bool finished_ = false;
    bool cleanedUp_ = false;
    uint64_t token_ = 0;
    QTimer deadline_;
    std::vector<DemoProcess*> processes_;
    std::set<std::string> services_;
    struct Upstream {
        std::string name, proxyId;
        bool ownsProxy = false;
    };
    std::vector<Upstream> upstreams_;
    QString cookie_;
    std::unique_ptr<QTemporaryDir> cookieDir_;
};

}  // namespace meshx::ui
