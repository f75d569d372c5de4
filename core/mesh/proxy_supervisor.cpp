#include "mesh/proxy_supervisor.h"

#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>
#include <utility>

#include <QFileInfo>
#include <QStandardPaths>

#include "common/listener_report.h"
#include "common/mesh_config.h"
#include "mesh/process_lines.h"
#include "mesh/proxy_host_pool.h"
#include "mesh/proxy_host_process.h"
#include "mesh/proxy_kind_registry.h"
#include "telemetry/lifecycle_event.h"
#include "telemetry/telemetry_bus.h"

namespace meshx::mesh {

namespace {

using telemetry::LifecycleEvent;
using telemetry::LogLine;

// Long enough for a loaded machine to fork and exec; QProcess reports exec failure at once.
constexpr int kStartTimeoutMs = 10000;
// After SIGKILL the kernel frees the process promptly; this only bounds a pathological wait.
constexpr int kKillWaitMs = 2000;

int64_t nowUs() {
    using namespace std::chrono;
    return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

// "exit code 3" or "signal 9 (SIGKILL)". On Unix, QProcess reports the signal number as the exit
// code of a crashed process.
std::string describeExit(int exitCode, QProcess::ExitStatus status) {
    if (status == QProcess::NormalExit) {
        return "exit code " + std::to_string(exitCode);
    }
    const char* abbrev = ::sigabbrev_np(exitCode);  // thread-safe, unlike strsignal
    return "signal " + std::to_string(exitCode) +
           (abbrev != nullptr ? std::string(" (SIG") + abbrev + ")" : std::string());
}

void setOrRemove(QProcessEnvironment& env, const char* name, const std::string& value) {
    if (value.empty()) {
        env.remove(QString::fromLatin1(name));
    } else {
        env.insert(QString::fromLatin1(name), QString::fromStdString(value));
    }
}

// Our environment with the agent settings of `config` made authoritative: a variable the config
// leaves empty is removed, so the proxy never talks to a different agent than the engine.
QProcessEnvironment proxyEnvironment(const MeshConfig& config,
                                     const std::map<std::string, std::string>& extra) {
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    setOrRemove(env, "CONSUL_HTTP_ADDR", config.agent.toString());
    setOrRemove(env, "CONSUL_HTTP_TOKEN", config.token);
    setOrRemove(env, "CONSUL_CACERT", config.caCert);
    setOrRemove(env, "CONSUL_CLIENT_CERT", config.clientCert);
    setOrRemove(env, "CONSUL_CLIENT_KEY", config.clientKey);
    setOrRemove(env, "CONSUL_TLS_SERVER_NAME", config.tlsServerName);
    setOrRemove(env, "CONSUL_HTTP_SSL_VERIFY", config.tlsVerify ? "" : "false");
    for (const auto& [name, value] : extra) {
        env.insert(QString::fromStdString(name), QString::fromStdString(value));
    }
    return env;
}

}  // namespace

ProxySupervisor::Options ProxySupervisor::Options::fromConfig(const MeshConfig& config) {
    Options o;
    o.maxRestarts = config.maxProxyRestarts;
    o.logDir = config.proxyLogDir;
    return o;
}

ProxySupervisor::ProxySupervisor(std::string serviceId, std::vector<std::string> argv,
                                 const MeshConfig& config, Options options, QObject* parent)
    : QObject(parent),
      serviceId_(std::move(serviceId)),
      argv_(std::move(argv)),
      reportsListener_(isMeshxProxyCommand(argv_)),
      options_(std::move(options)),
      env_(proxyEnvironment(config, options_.extraEnv)),
      bus_(options_.bus != nullptr ? *options_.bus : telemetry::TelemetryBus::global()),
      stdout_(options_.maxLineBytes),
      stderr_(options_.maxLineBytes),
      ring_(options_.logLines) {
    if (reportsListener_) {
        env_.insert(kListenerReportEnv, "1");  // common/listener_report.h
    }
    stopTimer_.setSingleShot(true);
    restartTimer_.setSingleShot(true);
    connect(&stopTimer_, &QTimer::timeout, this, &ProxySupervisor::onStopTimeout);
    connect(&restartTimer_, &QTimer::timeout, this, &ProxySupervisor::onRestartTimer);
}

ProxySupervisor::~ProxySupervisor() {
    // Receivers may be half torn down with us; the bus still hears about the stop.
    blockSignals(true);
    stopAndWait();
    restartTimer_.stop();
    if (host_ != nullptr && !hostKey_.empty()) {
        host_->forget(hostKey_);  // its call-backs name us
    }
}

Status ProxySupervisor::start() {
    if (state_ == ProxyState::Running || state_ == ProxyState::Stopping ||
        state_ == ProxyState::Restarting) {
        return makeError(Code::InvalidState,
                         "proxy for " + serviceId_ + " is already " + proxyStateName(state_));
    }
    restarts_ = 0;
    return launch();
}

Status ProxySupervisor::beginStart() {
    if (state_ == ProxyState::Running || state_ == ProxyState::Stopping ||
        state_ == ProxyState::Restarting || pending_ != nullptr || hostedPending_) {
        return makeError(Code::InvalidState,
                         "proxy for " + serviceId_ + " is already " + proxyStateName(state_));
    }
    restarts_ = 0;
    return spawn();
}

Status ProxySupervisor::finishStart() {
    return finishLaunch();
}

Status ProxySupervisor::restart() {
    switch (state_) {
        case ProxyState::Running:
            stop();
            restartAfterStop_ = true;
            return {};
        case ProxyState::Stopping:
            restartAfterStop_ = true;
            return {};
        case ProxyState::Restarting:
            restartTimer_.stop();
            state_ = ProxyState::Stopped;  // so a failed launch below leaves a truthful state
            break;
        case ProxyState::Idle:
        case ProxyState::Stopped:
        case ProxyState::GaveUp:
            break;
    }
    restarts_ = 0;
    return launch();
}

bool ProxySupervisor::stop() {
    restartAfterStop_ = false;
    switch (state_) {
        case ProxyState::Running:
            state_ = ProxyState::Stopping;
            forced_ = false;
            if (hostedRunning()) {
                host_->remove(hostKey_);
            } else {
                signalGroup(SIGTERM);
            }
            stopTimer_.start(options_.stopTimeout);
            return true;
        case ProxyState::Stopping:
            return true;
        case ProxyState::Restarting:
            restartTimer_.stop();
            state_ = ProxyState::Stopped;
            return false;
        case ProxyState::Idle:
        case ProxyState::Stopped:
        case ProxyState::GaveUp:
            return false;
    }
    return false;
}

void ProxySupervisor::stopAndWait() {
    if (!stop()) {
        return;
    }
    if (hostedRunning()) {
        // Handles the host's output meanwhile, so the exit arrives through onHostedExit().
        if (!host_->waitForExit(hostKey_, options_.stopTimeout)) {
            onStopTimeout();
        }
        return;
    }
    if (process_ == nullptr) {
        return;
    }
    // waitForFinished() delivers finished() (and so onFinished) itself: no event loop needed.
    const int termWaitMs = static_cast<int>(options_.stopTimeout.count());
    if (!process_->waitForFinished(termWaitMs) && process_ != nullptr) {
        forced_ = true;
        signalGroup(SIGKILL);
        process_->waitForFinished(kKillWaitMs);
    }
}

ProxyInfo ProxySupervisor::info() const {
    ProxyInfo i;
    i.serviceId = serviceId_;
    i.argv = argv_;
    i.pid = pid_;
    i.restarts = restarts_;
    i.maxRestarts = options_.maxRestarts;
    i.lastExitReason = lastExitReason_;
    i.state = state_;
    i.hosted = options_.hosts != nullptr;
    return i;
}

std::vector<LogLine> ProxySupervisor::logLines(size_t max) const {
    return ring_.lines(max);
}

uint64_t ProxySupervisor::droppedLogLines() const {
    return ring_.dropped();
}

Status ProxySupervisor::launch() {
    if (Status s = spawn(); !s) {
        return s;
    }
    return finishLaunch();
}

Status ProxySupervisor::spawn() {
    if (argv_.empty() || argv_.front().empty()) {
        return makeError(Code::ProxyFailed, "empty proxy command for service " + serviceId_);
    }
    listener_ = ListenerState::Unknown;  // a new launch has to say it again
    listenerDetail_.clear();
    if (!options_.logDir.empty() && logFile_ == nullptr) {
        auto file = ProxyLogFile::open(options_.logDir, serviceId_);
        if (!file) {
            return makeError(Code::ProxyFailed,
                             "proxy for service " + serviceId_ + ": " + file.error().message);
        }
        logFile_ = std::move(*file);
    }
    // Resolve the binary up front: QProcess would only say "failed to start", and the user needs
    // to know which binary is missing.
    const std::string& binary = argv_.front();
    const QString program = QString::fromStdString(binary);
    QString resolved;
    if (program.contains(QLatin1Char('/'))) {
        const QFileInfo fi(program);
        if (!fi.exists()) {
            return makeError(Code::ProxyFailed, "proxy binary " + binary + " for service " +
                                                    serviceId_ + " does not exist");
        }
        if (!fi.isFile() || !fi.isExecutable()) {
            return makeError(Code::ProxyFailed, "proxy binary " + binary + " for service " +
                                                    serviceId_ + " is not an executable file");
        }
        resolved = program;
    } else {
        resolved = QStandardPaths::findExecutable(program);
        if (resolved.isEmpty()) {
            return makeError(Code::ProxyFailed, "proxy binary " + binary + " for service " +
                                                    serviceId_ + " not found on PATH");
        }
    }

    if (options_.hosts != nullptr) {
        host_ = options_.hosts->host(resolved.toStdString(), env_);
        ProxyHostProcess::Sidecar sidecar;
        sidecar.line = [this](LogLine::Stream stream, const LineAssembler::Line& line) {
            deliver(line, stream);
        };
        sidecar.exited = [this](int code, const std::string& reason) {
            onHostedExit(code, reason);
        };
        sidecar.listener = [this](bool listening, const std::string& detail) {
            onListener(listening, detail);
        };
        auto key = host_->add(serviceId_, std::vector<std::string>(argv_.begin() + 1, argv_.end()),
                              std::move(sidecar));
        if (!key) {
            return makeError(Code::ProxyFailed,
                             "proxy for service " + serviceId_ + ": " + key.error().message);
        }
        hostKey_ = *key;
        hostedPending_ = true;
        return {};
    }

    auto* p = new QProcess(this);
    p->setProgram(resolved);
    QStringList args;
    for (size_t i = 1; i < argv_.size(); ++i) {
        args << QString::fromStdString(argv_[i]);
    }
    p->setArguments(args);
    p->setProcessEnvironment(env_);
    p->setStandardInputFile(QProcess::nullDevice());
    const pid_t parent = ::getpid();
    // Runs in the child between fork and exec: async-signal-safe calls only.
    p->setChildProcessModifier([parent] {
        ::setpgid(0, 0);  // own group: stop() signals the proxy and its helpers together
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) {
            ::_exit(127);  // we died before the death signal was armed
        }
    });
    connect(p, &QProcess::readyReadStandardOutput, this,
            [this, p] { onOutput(p, LogLine::Stream::Stdout); });
    connect(p, &QProcess::readyReadStandardError, this,
            [this, p] { onOutput(p, LogLine::Stream::Stderr); });
    connect(p, &QProcess::finished, this,
            [this, p](int code, QProcess::ExitStatus status) { onFinished(p, code, status); });

    p->start();
    pending_ = p;
    return {};
}

Status ProxySupervisor::finishLaunch() {
    if (hostedPending_) {
        // add() waited for the host's exec; the sidecar's own start-up is watched like a
        // process's: an early exit arrives through onHostedExit().
        hostedPending_ = false;
        if (hostKey_.empty()) {
            return makeError(Code::ProxyFailed, "the hosted proxy of " + serviceId_ +
                                                    " ended before it started (" + lastExitReason_ +
                                                    ")");
        }
        pid_ = host_ != nullptr ? host_->pid() : 0;
        state_ = ProxyState::Running;
        forced_ = false;
        publish(LifecycleEvent::kProxyStarted, {{"pid", pid_}, {"argv", argv_}, {"hosted", true}});
        emit started(pid_);
        return {};
    }
    QProcess* p = pending_;
    pending_ = nullptr;
    if (p == nullptr) {
        return makeError(Code::InvalidState, "no proxy launch pending for " + serviceId_);
    }
    if (!p->waitForStarted(kStartTimeoutMs)) {
        const std::string why = p->errorString().toStdString();
        delete p;
        return makeError(Code::ProxyFailed, "proxy binary " + argv_.front() + " for service " +
                                                serviceId_ + " failed to start: " + why);
    }
    process_ = p;
    pid_ = p->processId();
    state_ = ProxyState::Running;
    forced_ = false;
    publish(LifecycleEvent::kProxyStarted, {{"pid", pid_}, {"argv", argv_}});
    emit started(pid_);
    return {};
}

void ProxySupervisor::onOutput(QProcess* process, LogLine::Stream stream) {
    const bool err = stream == LogLine::Stream::Stderr;
    for (const auto& line : readLines(*process, err, err ? stderr_ : stdout_)) {
        deliver(line, stream);
    }
}

void ProxySupervisor::onListener(bool listening, const std::string& detail) {
    listener_ = listening ? ListenerState::Listening : ListenerState::Failed;
    listenerDetail_ = detail;
    emit listenerChanged();
}

void ProxySupervisor::deliver(const LineAssembler::Line& line, LogLine::Stream stream) {
    // A sidecar process's report (MESHX_PROXY_REPORT_LISTENER); hosted ones report through the
    // host's protocol. The line still goes to the log: the operator sees when it listened.
    if (reportsListener_ && options_.hosts == nullptr && stream == LogLine::Stream::Stdout) {
        if (line.text.starts_with(kListenerReadyLine)) {
            onListener(true, line.text.substr(kListenerReadyLine.size()));
        } else if (line.text.starts_with(kListenerFailedLine)) {
            onListener(false, line.text.substr(kListenerFailedLine.size()));
        }
    }
    LogLine l{serviceId_, stream, line.text, nowUs(), line.truncated};
    if (bus_.hasSubscribers()) {
        bus_.publish(l.toEvent());
    }
    if (logFile_ != nullptr) {
        logFile_->append(l);
    }
    ring_.append(std::move(l));
}

void ProxySupervisor::onFinished(QProcess* process, int exitCode, QProcess::ExitStatus status) {
    if (process != process_) {
        return;
    }
    // Output written just before exit may still be buffered; an unterminated last line counts.
    onOutput(process, LogLine::Stream::Stdout);
    onOutput(process, LogLine::Stream::Stderr);
    std::vector<LineAssembler::Line> tail;
    stdout_.finish(tail);
    for (const auto& line : tail) {
        deliver(line, LogLine::Stream::Stdout);
    }
    tail.clear();
    stderr_.finish(tail);
    for (const auto& line : tail) {
        deliver(line, LogLine::Stream::Stderr);
    }
    // Helpers the proxy left in its group would be orphans now that their leader is gone.
    signalGroup(SIGKILL, /*leaderReaped=*/true);

    const int64_t pid = pid_;
    process_ = nullptr;
    pid_ = 0;
    process->deleteLater();  // we are inside its signal

    const std::string reason = describeExit(exitCode, status);
    nlohmann::json details = {{"pid", pid}, {"reason", reason}};
    details[status == QProcess::NormalExit ? "exit_code" : "signal"] = exitCode;
    wentDown(pid, reason, std::move(details));
}

void ProxySupervisor::onHostedExit(int code, const std::string& reason) {
    hostKey_.clear();
    const int64_t pid = pid_;
    pid_ = 0;
    if (hostedPending_) {
        lastExitReason_ = reason;  // finishLaunch() reports it
        return;
    }
    nlohmann::json details = {{"pid", pid}, {"reason", reason}, {"hosted", true}};
    if (code >= 0) {
        details["exit_code"] = code;
    }
    wentDown(pid, reason, std::move(details));
}

void ProxySupervisor::wentDown(int64_t pid, const std::string& reason, nlohmann::json details) {
    stopTimer_.stop();
    lastExitReason_ = reason;
    publish(LifecycleEvent::kProxyExited, std::move(details));
    emit exited(pid, QString::fromStdString(reason));

    if (state_ == ProxyState::Stopping) {
        state_ = ProxyState::Stopped;
        publish(LifecycleEvent::kProxyStopped, {{"pid", pid}, {"forced", forced_}});
        emit stopped(forced_);
        if (restartAfterStop_) {
            restartAfterStop_ = false;
            restarts_ = 0;
            if (Status s = launch(); !s) {
                lastExitReason_ = "failed to start: " + s.error().message;
                handleDown(lastExitReason_);
            }
        }
    } else if (state_ == ProxyState::Running) {
        handleDown(reason);
    }
}

void ProxySupervisor::handleDown(const std::string& reason) {
    if (restarts_ < options_.maxRestarts) {
        state_ = ProxyState::Restarting;
        restartTimer_.start(options_.restartDelay);
        return;
    }
    state_ = ProxyState::GaveUp;
    publish(LifecycleEvent::kProxyGaveUp, {{"restarts", restarts_}, {"reason", reason}});
    emit gaveUp(restarts_, QString::fromStdString(reason));
}

void ProxySupervisor::onRestartTimer() {
    if (state_ != ProxyState::Restarting) {
        return;
    }
    ++restarts_;
    const std::string reason = lastExitReason_;
    if (Status s = launch(); !s) {
        lastExitReason_ = "failed to start: " + s.error().message;
        handleDown(lastExitReason_);
        return;
    }
    publish(LifecycleEvent::kProxyRestarted, {{"restarts", restarts_}, {"reason", reason}});
    emit restarted(restarts_, QString::fromStdString(reason));
}

void ProxySupervisor::onStopTimeout() {
    if (state_ == ProxyState::Stopping && hostedRunning()) {
        // A sidecar thread cannot be killed alone: give up on it, the host finishes it.
        forced_ = true;
        host_->forget(hostKey_);
        onHostedExit(-1, "stop not confirmed by the proxy host within " +
                             std::to_string(options_.stopTimeout.count()) + " ms");
        return;
    }
    if (state_ == ProxyState::Stopping && process_ != nullptr) {
        forced_ = true;
        signalGroup(SIGKILL);
    }
}

void ProxySupervisor::signalGroup(int signal, bool leaderReaped) {
    // Only ever the proxy's own group (its pid, made a group by setpgid in the child). Never
    // kill(0) / kill(-0) / kill(-1) (our own group, everyone), and never our own group by number:
    // a shell script or `timeout` running the engine lives there.
    if (pid_ <= 1) {
        return;
    }
    const auto pid = static_cast<pid_t>(pid_);
    if (pid == ::getpid() || pid == ::getpgrp()) {
        return;
    }
    if (::kill(-pid, signal) != 0 && errno == ESRCH && !leaderReaped) {
        // The child had not made its group yet (or setpgid failed). Once the leader is reaped
        // its pid may belong to an unrelated process, so only the group is signalled then.
        ::kill(pid, signal);
    }
}

void ProxySupervisor::publish(const char* name, nlohmann::json details) {
    if (bus_.hasSubscribers()) {
        bus_.publish(LifecycleEvent{name, serviceId_, std::move(details)}.toEvent());
    }
}

}  // namespace meshx::mesh
