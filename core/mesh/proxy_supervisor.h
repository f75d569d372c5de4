#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <QObject>
#include <QPointer>
#include <QProcess>
#include <QProcessEnvironment>
#include <QTimer>

#include "common/result.h"
#include "mesh/line_assembler.h"
#include "mesh/log_ring.h"
#include "mesh/proxy_host_process.h"
#include "mesh/proxy_info.h"
#include "mesh/proxy_log_file.h"
#include "telemetry/log_line.h"

namespace meshx {
struct MeshConfig;
}
namespace meshx::telemetry {
class TelemetryBus;
}

namespace meshx::mesh {

class ProxyHostPool;

// What a sidecar said about its public listener (ProxySupervisor::listenerState()).
enum class ListenerState { Unknown, Listening, Failed };

// Runs one service's sidecar proxy and keeps it running, as MeshxConsul's proxy worker does:
// the rendered argv is executed directly (no shell), every stdout/stderr line goes to the
// telemetry bus (LogLine convention) and to a bounded ring, an unexpected exit is followed by a
// restart until `maxRestarts` restarts have been spent, and stop() asks with SIGTERM before
// insisting with SIGKILL. Lifecycle steps are published as LifecycleEvent (source "mesh").
//
// No orphans: the child gets PR_SET_PDEATHSIG(SIGKILL), so the kernel kills it when the thread
// that launched it (the engine thread) or our whole process dies, even by SIGKILL. It also leads
// its own process group, and every signal we send goes to the group, so helpers the proxy
// spawned are stopped with it. (Grandchildren are not covered by the death signal itself.)
//
// Hosted (Options::hosts set, `proxy_host: shared`): the proxy is a meshx-proxy whose sidecar runs
// inside the pool's `meshx-proxy -host` process of the same binary (ProxyHostProcess) instead of
// a process of its own. Everything above holds per sidecar: its lines come back demultiplexed,
// stop() removes only this sidecar (its exit follows, "exit code 0"), restart() re-adds only it,
// and when the host process dies every hosted sidecar sees an exit ("proxy host exited: ...") and
// is restarted (in a new host process) or gives up like a crashed process. info().pid is the
// host's pid, shared by all its sidecars (info().hosted says so); the supervisor never signals
// the host. A stop that the host does not confirm within stopTimeout is given up on (forced):
// the sidecar is forgotten and the host finishes it.
//
// Thread: a QObject of the engine thread, which must run a Qt event loop; every method is for
// that thread unless it says otherwise. Signals are emitted on it.
class ProxySupervisor : public QObject {
    Q_OBJECT

  public:
    struct Options {
        int maxRestarts = 5;
        // SIGTERM, then SIGKILL when the proxy is still alive after this long.
        std::chrono::milliseconds stopTimeout{3000};
        // Pause before an automatic restart, so a proxy failing at once does not spin a core.
        std::chrono::milliseconds restartDelay{100};
        size_t logLines = 1000;           // ring capacity
        size_t maxLineBytes = 16 * 1024;  // longer lines are cut and flagged truncated
        // Added to (and overriding) the inherited environment and the agent variables.
        std::map<std::string, std::string> extraEnv;
        // When set, every line is also appended to <logDir>/<service-id>.log (ProxyLogFile).
        std::string logDir;
        telemetry::TelemetryBus* bus = nullptr;  // nullptr: TelemetryBus::global()
        // Set: run the sidecar in this pool's proxy host (argv[0] names the meshx-proxy binary,
        // the rest are its arguments). Must outlive the supervisor.
        ProxyHostPool* hosts = nullptr;

        // maxRestarts (max_proxy_restarts) and logDir (proxy_log_dir) from the config; other
        // fields keep their defaults.
        static Options fromConfig(const MeshConfig& config);
    };

    // Nothing runs until start(). The proxy's environment is ours plus CONSUL_HTTP_ADDR and, when
    // set in `config`, CONSUL_HTTP_TOKEN and the CONSUL_* TLS variables, so `consul connect
    // proxy` and Envoy reach the same agent as the engine. The token is never logged.
    ProxySupervisor(std::string serviceId, std::vector<std::string> argv, const MeshConfig& config,
                    Options options, QObject* parent = nullptr);
    // Stops the proxy and waits for it (stopAndWait) without emitting signals.
    ~ProxySupervisor() override;

    // Launches the proxy. ProxyFailed naming the binary when it is missing, not executable or
    // fails to exec; InvalidState when already running or restarting.
    Status start();
    // start() in two halves, for launching many proxies at once: beginStart() forks the
    // process and returns (errors it can tell before the fork: missing binary, wrong state);
    // finishStart() waits for its exec and reports the rest of start()'s errors. Call both in
    // one go on the engine thread, without returning to the event loop in between, and
    // finishStart() exactly once after a successful beginStart(). The execs of proxies begun
    // together overlap instead of following one another.
    Status beginStart();
    Status finishStart();
    // Stops the running proxy and launches it again with the restart count reset (as the
    // original's restart). When a proxy runs, the relaunch follows its exit: watch started() or
    // gaveUp(). Otherwise it launches now and returns start()'s result.
    Status restart();
    // SIGTERM to the proxy's group, SIGKILL after stopTimeout. Returns true when a process is
    // being stopped (stopped() follows), false when none ran (a pending restart is cancelled).
    bool stop();
    // stop() and block until the proxy is gone (at most stopTimeout plus a second for SIGKILL).
    // For the destructor, the CLI and shutdown paths without an event loop.
    void stopAndWait();

    // Whether this sidecar tells when its public listener listens: a meshx-proxy does (hosted:
    // the host's L/F lines; a process: its "==> Public listener ..." lines, asked for with
    // MESHX_PROXY_REPORT_LISTENER=1). Other proxies (consul connect proxy, Envoy) do not, and
    // a start does not wait for their listener.
    bool reportsListener() const { return reportsListener_; }
    // What the current launch said about its public listener (Unknown until it says; reset by
    // every launch), and the address or the bind error it gave.
    ListenerState listenerState() const { return listener_; }
    const std::string& listenerDetail() const { return listenerDetail_; }

    // Snapshot of argv, pid, restarts, last exit reason and state.
    ProxyInfo info() const;
    ProxyState state() const { return state_; }
    const std::string& serviceId() const { return serviceId_; }
    // Up to `max` most recent output lines, oldest first. Any thread.
    std::vector<telemetry::LogLine> logLines(size_t max = SIZE_MAX) const;
    // Lines pushed out of the ring by newer ones. Any thread.
    uint64_t droppedLogLines() const;

  signals:
    void started(qint64 pid);
    // The process ended, for any reason (crash, stop, restart()).
    void exited(qint64 pid, const QString& reason);
    // An automatic restart launched a new process; `restarts` counts them so far.
    void restarted(int restarts, const QString& reason);
    // The proxy exited with no restarts left and stays down.
    void gaveUp(int restarts, const QString& reason);
    // A stop() finished; `forced` when SIGKILL was needed.
    void stopped(bool forced);
    // listenerState() changed (the sidecar listens, or failed to bind its public port).
    void listenerChanged();

  private:
    Status launch();
    // The fork half of launch(); `pending_` holds the process until finishLaunch().
    Status spawn();
    Status finishLaunch();
    void onOutput(QProcess* process, telemetry::LogLine::Stream stream);
    void onFinished(QProcess* process, int exitCode, QProcess::ExitStatus status);
    // The hosted sidecar ended: `code` its exit code, -1 when the host process died.
    void onHostedExit(int code, const std::string& reason);
    // After any exit (process or hosted sidecar): events, signals, restart or give up.
    void wentDown(int64_t pid, const std::string& reason, nlohmann::json details);
    bool hostedRunning() const { return host_ != nullptr && !hostKey_.empty(); }
    void onStopTimeout();
    void onRestartTimer();
    // The proxy went down unexpectedly (exit or failed relaunch): restart or give up.
    void handleDown(const std::string& reason);
    void deliver(const LineAssembler::Line& line, telemetry::LogLine::Stream stream);
    void onListener(bool listening, const std::string& detail);
    // `signal` to the proxy's process group (never ours); to the bare pid as a fallback only
    // while the proxy has not been reaped (`leaderReaped` false).
    void signalGroup(int signal, bool leaderReaped = false);
    void publish(const char* name, nlohmann::json details);

    const std::string serviceId_;
    const std::vector<std::string> argv_;
    const bool reportsListener_;
    const Options options_;
    QProcessEnvironment env_;
    telemetry::TelemetryBus& bus_;

    ProxyState state_ = ProxyState::Idle;
    QProcess* process_ = nullptr;
    QProcess* pending_ = nullptr;  // forked by spawn(), not yet confirmed by finishLaunch()
    // Hosted: the host of this sidecar and its key there while added (empty once it exited).
    QPointer<ProxyHostProcess> host_;
    std::string hostKey_;
    bool hostedPending_ = false;  // added by spawn(), not yet confirmed by finishLaunch()
    int64_t pid_ = 0;
    int restarts_ = 0;
    std::string lastExitReason_;
    bool forced_ = false;            // this stop needed SIGKILL
    bool restartAfterStop_ = false;  // restart() is waiting for the old process to exit
    ListenerState listener_ = ListenerState::Unknown;
    std::string listenerDetail_;

    LineAssembler stdout_;
    LineAssembler stderr_;
    LogRing ring_;
    std::unique_ptr<ProxyLogFile> logFile_;  // opened by the first launch when logDir is set
    QTimer stopTimer_;
    QTimer restartTimer_;
};

}  // namespace meshx::mesh
