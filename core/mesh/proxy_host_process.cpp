#include "mesh/proxy_host_process.h"

#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>

#include <QElapsedTimer>

#include "mesh/process_lines.h"
#include "telemetry/telemetry_bus.h"

namespace meshx::mesh {

namespace {

using telemetry::LogLine;

// A sidecar's line is cut by its supervisor's limit (16 KiB); the key and kind come on top.
constexpr size_t kMaxHostLineBytes = 20 * 1024;
constexpr int kStartTimeoutMs = 10000;
constexpr int kKillWaitMs = 2000;
// The service id the host's own lines (not a sidecar's) are published under.
constexpr const char* kHostLogId = "meshx-proxy-host";

int64_t nowUs() {
    using namespace std::chrono;
    return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

std::string describeExit(int exitCode, QProcess::ExitStatus status) {
    if (status == QProcess::NormalExit) {
        return "exit code " + std::to_string(exitCode);
    }
    const char* abbrev = ::sigabbrev_np(exitCode);
    return "signal " + std::to_string(exitCode) +
           (abbrev != nullptr ? std::string(" (SIG") + abbrev + ")" : std::string());
}

}  // namespace

ProxyHostProcess::ProxyHostProcess(std::string program, const QProcessEnvironment& env,
                                   QObject* parent)
    : QObject(parent),
      program_(std::move(program)),
      env_(env),
      stdout_(kMaxHostLineBytes),
      stderr_(kMaxHostLineBytes) {}

ProxyHostProcess::~ProxyHostProcess() {
    sidecars_.clear();  // no call-backs from here on
    if (process_ != nullptr) {
        QProcess* p = process_;
        p->disconnect(this);
        p->closeWriteChannel();
        if (!p->waitForFinished(kKillWaitMs)) {
            signalGroup(SIGKILL);
            p->waitForFinished(kKillWaitMs);
        }
        process_ = nullptr;
        delete p;
    }
}

Status ProxyHostProcess::ensureRunning() {
    if (process_ != nullptr) {
        return {};
    }
    auto* p = new QProcess(this);
    p->setProgram(QString::fromStdString(program_));
    p->setArguments({QStringLiteral("-host")});
    p->setProcessEnvironment(env_);
    const pid_t parent = ::getpid();
    // Between fork and exec: async-signal-safe calls only (as ProxySupervisor's children).
    p->setChildProcessModifier([parent] {
        ::setpgid(0, 0);
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) {
            ::_exit(127);
        }
    });
    connect(p, &QProcess::readyReadStandardOutput, this, [this, p] { onOutput(p, false); });
    connect(p, &QProcess::readyReadStandardError, this, [this, p] { onOutput(p, true); });
    connect(p, &QProcess::finished, this,
            [this, p](int code, QProcess::ExitStatus status) { onFinished(p, code, status); });
    p->start();
    if (!p->waitForStarted(kStartTimeoutMs)) {
        const std::string why = p->errorString().toStdString();
        delete p;
        return makeError(Code::ProxyFailed, "proxy host " + program_ + " failed to start: " + why);
    }
    process_ = p;
    pid_ = p->processId();
    return {};
}

void ProxyHostProcess::send(const std::string& line) {
    if (process_ != nullptr) {
        process_->write(line.data(), static_cast<qint64>(line.size()));
    }
}

Result<std::string> ProxyHostProcess::add(const std::string& serviceId,
                                          const std::vector<std::string>& args, Sidecar sidecar) {
    for (const auto& a : args) {
        if (a.find_first_of("\t\n\r") != std::string::npos) {
            return makeError(Code::ProxyFailed, "proxy argument for " + serviceId +
                                                    " holds a tab or newline; a hosted "
                                                    "sidecar cannot take it");
        }
    }
    if (auto st = ensureRunning(); !st) {
        return st.error();
    }
    std::string key = serviceId + "#" + std::to_string(nextKey_++);
    for (char& c : key) {
        if (c == '\t' || c == '\n' || c == '\r') {
            c = '_';
        }
    }
    std::string line = "add\t" + key;
    for (const auto& a : args) {
        line += '\t';
        line += a;
    }
    line += '\n';
    sidecars_[key] = std::move(sidecar);
    send(line);
    return key;
}

void ProxyHostProcess::remove(const std::string& key) {
    if (process_ != nullptr) {
        send("remove\t" + key + "\n");
    }
}

void ProxyHostProcess::forget(const std::string& key) {
    if (sidecars_.erase(key) > 0) {
        remove(key);
    }
}

bool ProxyHostProcess::waitForExit(const std::string& key, std::chrono::milliseconds timeout) {
    QElapsedTimer clock;
    clock.start();
    while (sidecars_.count(key) > 0 && process_ != nullptr) {
        const auto left = timeout.count() - clock.elapsed();
        if (left <= 0) {
            return false;
        }
        QProcess* p = process_;
        if (p->bytesToWrite() > 0) {
            p->waitForBytesWritten(static_cast<int>(left));
            continue;
        }
        // Delivers readyRead (and finished, when the host dies) itself: no event loop needed.
        if (!p->waitForReadyRead(static_cast<int>(std::min<qint64>(left, 100))) &&
            p->state() == QProcess::NotRunning && process_ == p) {
            p->waitForFinished(0);
        }
    }
    return sidecars_.count(key) == 0;
}

bool ProxyHostProcess::endIfIdle(std::chrono::milliseconds timeout) {
    if (process_ == nullptr) {
        return true;
    }
    if (!sidecars_.empty()) {
        return false;
    }
    QProcess* p = process_;
    p->closeWriteChannel();  // end of input: the host stops what is left and exits
    if (!p->waitForFinished(static_cast<int>(timeout.count())) && process_ == p) {
        signalGroup(SIGKILL);
        p->waitForFinished(kKillWaitMs);
    }
    return process_ == nullptr;
}

void ProxyHostProcess::onOutput(QProcess* process, bool err) {
    if (process != process_) {
        return;
    }
    for (const auto& line : readLines(*process, err, err ? stderr_ : stdout_)) {
        if (err) {
            hostLine(line.text, true);
        } else {
            dispatch(line);
        }
    }
}

// "O\tkey\ttext", "E\tkey\ttext", "L\tkey\taddress", "F\tkey\terror", "X\tkey\tcode",
// "H\ttext".
void ProxyHostProcess::dispatch(const LineAssembler::Line& line) {
    const std::string& t = line.text;
    if (t.size() < 2 || t[1] != '\t') {
        hostLine(t, false);
        return;
    }
    const char kind = t[0];
    if (kind == 'H') {
        hostLine(t.substr(2), false);
        return;
    }
    const size_t tab = t.find('\t', 2);
    if (tab == std::string::npos ||
        (kind != 'O' && kind != 'E' && kind != 'X' && kind != 'L' && kind != 'F')) {
        hostLine(t, false);
        return;
    }
    const std::string key = t.substr(2, tab - 2);
    auto it = sidecars_.find(key);
    if (it == sidecars_.end()) {
        return;  // forgotten: its owner is gone
    }
    if (kind == 'X') {
        int code = 1;
        try {
            code = std::stoi(t.substr(tab + 1));
        } catch (...) {
        }
        Sidecar s = std::move(it->second);
        sidecars_.erase(it);
        if (s.exited) {
            s.exited(code, "exit code " + std::to_string(code));
        }
        return;
    }
    if (kind == 'L' || kind == 'F') {
        if (it->second.listener) {
            it->second.listener(kind == 'L', t.substr(tab + 1));
        }
        return;
    }
    if (it->second.line) {
        it->second.line(kind == 'O' ? LogLine::Stream::Stdout : LogLine::Stream::Stderr,
                        LineAssembler::Line{t.substr(tab + 1), line.truncated});
    }
}

void ProxyHostProcess::hostLine(const std::string& text, bool err) {
    auto& bus = telemetry::TelemetryBus::global();
    if (bus.hasSubscribers()) {
        LogLine l{kHostLogId, err ? LogLine::Stream::Stderr : LogLine::Stream::Stdout, text,
                  nowUs(), false};
        bus.publish(l.toEvent());
    }
}

void ProxyHostProcess::onFinished(QProcess* process, int exitCode, QProcess::ExitStatus status) {
    if (process != process_) {
        return;
    }
    onOutput(process, false);
    onOutput(process, true);
    std::vector<LineAssembler::Line> tail;
    stdout_.finish(tail);
    for (const auto& line : tail) {
        dispatch(line);
    }
    tail.clear();
    stderr_.finish(tail);  // also leaves both assemblers empty for the next host process
    for (const auto& line : tail) {
        hostLine(line.text, true);
    }
    signalGroup(SIGKILL);  // nothing of the host's group may outlive it
    const qint64 pid = pid_;
    process_ = nullptr;
    pid_ = 0;
    process->deleteLater();
    const std::string reason = "proxy host exited: " + describeExit(exitCode, status);
    // Every sidecar still in it ended with it. The map is emptied first: an owner may add its
    // sidecar again from inside the call (a restart), which starts a new host process.
    std::map<std::string, Sidecar> orphans;
    orphans.swap(sidecars_);
    for (auto& [key, s] : orphans) {
        if (s.exited) {
            s.exited(-1, reason);
        }
    }
    emit hostExited(pid, QString::fromStdString(reason));
}

void ProxyHostProcess::signalGroup(int signal) {
    if (pid_ <= 1) {
        return;
    }
    const auto pid = static_cast<pid_t>(pid_);
    if (pid == ::getpid() || pid == ::getpgrp()) {
        return;
    }
    ::kill(-pid, signal);
}

}  // namespace meshx::mesh
