#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <QObject>
#include <QProcess>
#include <QProcessEnvironment>

#include "common/result.h"
#include "mesh/line_assembler.h"
#include "telemetry/log_line.h"

namespace meshx::mesh {

// One `meshx-proxy -host` process serving many sidecars (proxy::ProxyHost; the line protocol is
// drawn in core/proxy/proxy_host.h): sidecars are added and removed with lines on its standard
// input, and its standard output, one line per event prefixed with the sidecar's key, is
// demultiplexed back to each sidecar's owner (a ProxySupervisor) as if each ran alone.
//
// The process starts with the first add and is ended by endIfIdle() once no sidecar runs in it.
// Like a supervised proxy it leads its own process group and gets PR_SET_PDEATHSIG(SIGKILL): it
// dies with the engine. When it dies otherwise (crash, kill -9), every sidecar still in it is
// told it exited (code -1, the host's exit reason), so each supervisor restarts its sidecar (a
// new host process starts with the first re-add) or gives up: no sidecar is dropped silently.
//
// Thread: a QObject of the engine's runtime thread; every method is for that thread. Callbacks
// run on it, from its event loop or from inside waitForExit().
class ProxyHostProcess : public QObject {
    Q_OBJECT

  public:
    struct Sidecar {
        // A line the sidecar wrote.
        std::function<void(telemetry::LogLine::Stream, const LineAssembler::Line&)> line;
        // The sidecar ended: `code` its exit code, or -1 when the host process died (`reason`
        // says how: "proxy host exited: signal 9 (SIGKILL)").
        std::function<void(int code, const std::string& reason)> exited;
        // Its public listener listens (`listening`, `detail` the address) or failed to bind
        // (the error): the host's L and F lines.
        std::function<void(bool listening, const std::string& detail)> listener;
    };

    // `program`: the meshx-proxy binary (resolved path); `env`: the host's environment (the agent
    // variables of the engine, MESHX_TAP_LISTEN for the host's one tap).
    ProxyHostProcess(std::string program, const QProcessEnvironment& env,
                     QObject* parent = nullptr);
    // Ends the process (input closed, then SIGKILL after a short wait) without calling back.
    ~ProxyHostProcess() override;

    // Starts the host process unless it runs (waits for its exec), then sends the add for a
    // sidecar of `serviceId` with meshx-proxy arguments `args`. Returns its key
    // ("<serviceId>#<n>", unique in this object). ProxyFailed when the host cannot start.
    Result<std::string> add(const std::string& serviceId, const std::vector<std::string>& args,
                            Sidecar sidecar);
    // Asks the host to stop the sidecar; its `exited` follows (code 0).
    void remove(const std::string& key);
    // Stops calling back for `key` (its owner is going away). The host is still told to remove it.
    void forget(const std::string& key);
    // Blocks (handling the host's output, so other sidecars' lines and exits are delivered too)
    // until `key` has exited or `timeout` passed. True when it exited (or was never known).
    bool waitForExit(const std::string& key, std::chrono::milliseconds timeout);
    // Ends the host process when no sidecar runs in it: closes its input (it exits), waits up to
    // `timeout`, then SIGKILL to its group. Returns true when no host process is left.
    bool endIfIdle(std::chrono::milliseconds timeout);

    // The host's pid, 0 when none runs.
    qint64 pid() const { return pid_; }
    // Sidecars added and not yet exited.
    size_t sidecarCount() const { return sidecars_.size(); }

  signals:
    // The host process ended (after every sidecar in it was told).
    void hostExited(qint64 pid, const QString& reason);

  private:
    Status ensureRunning();
    void onOutput(QProcess* process, bool err);
    void onFinished(QProcess* process, int exitCode, QProcess::ExitStatus status);
    void dispatch(const LineAssembler::Line& line);
    void hostLine(const std::string& text, bool err);
    void send(const std::string& line);
    void signalGroup(int signal);

    const std::string program_;
    const QProcessEnvironment env_;
    QProcess* process_ = nullptr;
    qint64 pid_ = 0;
    uint64_t nextKey_ = 1;
    LineAssembler stdout_;
    LineAssembler stderr_;
    std::map<std::string, Sidecar> sidecars_;  // by key: added, not yet exited
};

}  // namespace meshx::mesh
