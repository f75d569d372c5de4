#pragma once

// `meshx rpc-serve` as a child process for the RPC integration tests: started with its stderr in
// a file (telemetry can be chatty and nobody drains a pipe), ready once its machine-readable
// ready line is on stdout.

#include <signal.h>
#include <sys/types.h>

#include <QDir>

#include <QDeadlineTimer>
#include <QFile>
#include <QProcess>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

#include <nlohmann/json.hpp>

#include "process_runner.h"

class RpcServeProcess {
  public:
    RpcServeProcess() = default;
    RpcServeProcess(const RpcServeProcess&) = delete;
    RpcServeProcess& operator=(const RpcServeProcess&) = delete;
    ~RpcServeProcess() { kill(); }

    // Starts `meshx rpc-serve ARGS` and waits (bounded) for {"ready":true,...}. False when it
    // exited or said nothing in time; errors() tells why.
    bool start(const QStringList& args, const QProcessEnvironment& env, const QString& errFile,
               int timeoutMs = 90000) {
        return launch(args, env, errFile) && waitReady(timeoutMs);
    }
    // The two halves of start(), for a test that must act in between (start the sidecar of a
    // template without a proxy command, which "ready" waits for).
    bool launch(const QStringList& args, const QProcessEnvironment& env, const QString& errFile) {
        errFile_ = errFile;
        process_.setProcessEnvironment(env);
        process_.setStandardErrorFile(errFile);
        process_.start(meshxBinary(QStringLiteral("meshx")), QStringList{"rpc-serve"} + args);
        return process_.waitForStarted(10000);
    }
    bool waitReady(int timeoutMs = 90000) {
        QDeadlineTimer deadline(timeoutMs);
        while (!deadline.hasExpired()) {
            while (process_.canReadLine()) {
                const auto line = process_.readLine().trimmed().toStdString();
                auto j = nlohmann::json::parse(line, nullptr, false);
                if (j.is_object() && j.value("ready", false)) {
                    ready_ = j;
                    return true;
                }
            }
            if (process_.state() == QProcess::NotRunning) {
                return false;
            }
            process_.waitForReadyRead(200);
        }
        return false;
    }

    const nlohmann::json& ready() const { return ready_; }
    std::string serviceId() const { return ready_.value("service_id", ""); }
    std::string address() const { return ready_.value("address", ""); }
    bool running() const { return process_.state() != QProcess::NotRunning; }
    qint64 pid() const { return process_.processId(); }

    // The pid of the meshx-proxy sidecar this provider's engine runs as its child (from /proc),
    // 0 when there is none right now (not started yet, or between a crash and its restart).
    pid_t sidecarPid() const {
        const qint64 parent = process_.processId();
        const QStringList entries = QDir(QStringLiteral("/proc")).entryList(QDir::Dirs);
        for (const QString& entry : entries) {
            bool numeric = false;
            const pid_t child = static_cast<pid_t>(entry.toLongLong(&numeric));
            if (!numeric) {
                continue;
            }
            QFile stat(QStringLiteral("/proc/%1/stat").arg(entry));
            if (!stat.open(QIODevice::ReadOnly)) {
                continue;
            }
            // "pid (comm) state ppid ...": comm may hold spaces, so split after the last ')'.
            const QString line = QString::fromUtf8(stat.readAll());
            const auto close = line.lastIndexOf(QLatin1Char(')'));
            const auto open = line.indexOf(QLatin1Char('('));
            if (open < 0 || close < open) {
                continue;
            }
            const QString comm = line.mid(open + 1, close - open - 1);
            const QStringList rest = line.mid(close + 2).split(QLatin1Char(' '));
            if (comm == QStringLiteral("meshx-proxy") && rest.size() > 1 &&
                rest[1].toLongLong() == parent) {
                return child;
            }
        }
        return 0;
    }

    // SIGTERM; the exit code, -1 when it had to be killed. `out` gets what stdout said after
    // the ready line.
    int terminate(QString* out = nullptr, int timeoutMs = 30000) {
        if (process_.state() != QProcess::NotRunning) {
            process_.terminate();
            if (!process_.waitForFinished(timeoutMs)) {
                kill();
                return -1;
            }
        }
        if (out != nullptr) {
            *out = QString::fromUtf8(process_.readAllStandardOutput());
        }
        return process_.exitStatus() == QProcess::NormalExit ? process_.exitCode() : -1;
    }
    // SIGKILL, as a crash would do; waits until it is gone.
    void sigkill() {
        if (process_.state() != QProcess::NotRunning) {
            ::kill(static_cast<pid_t>(process_.processId()), SIGKILL);
            process_.waitForFinished(10000);
        }
    }
    void kill() {
        if (process_.state() != QProcess::NotRunning) {
            process_.kill();
            process_.waitForFinished(10000);
        }
    }
    QString errors() const {
        QFile f(errFile_);
        return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
    }

  private:
    QProcess process_;
    QString errFile_;
    nlohmann::json ready_;
};

// JSON objects from text, one per line; lines that are not JSON objects are skipped.
inline std::vector<nlohmann::json> jsonLines(const QString& text) {
    std::vector<nlohmann::json> out;
    for (const auto& line : text.split(QLatin1Char('\n'))) {
        auto j = nlohmann::json::parse(line.trimmed().toStdString(), nullptr, false);
        if (j.is_object()) {
            out.push_back(std::move(j));
        }
    }
    return out;
}
