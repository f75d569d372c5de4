#pragma once

// Real processes for the proxy integration tests (`meshx-proxy` sidecars, `meshx` commands)
// whose output goes to a file: a pipe nobody drains could block the proxy's logging. The agent
// is tests/agent_process.h.

#include <QFile>
#include <QProcess>

#include <string>

#include "process_runner.h"

class MeshProcess {
  public:
    explicit MeshProcess(QString logFile) : logFile_(std::move(logFile)) {}
    MeshProcess(const MeshProcess&) = delete;
    MeshProcess& operator=(const MeshProcess&) = delete;
    ~MeshProcess() { kill(); }

    bool start(const QString& program, const QStringList& args) {
        process_.setStandardOutputFile(logFile_);
        process_.setStandardErrorFile(logFile_ + ".err");
        process_.start(meshxBinary(program), args);
        return process_.waitForStarted(10000);
    }
    // SIGTERM, then the exit code (-1 when it had to be killed or crashed).
    int terminate(int timeoutMs = 15000) {
        if (process_.state() == QProcess::NotRunning) {
            return exitCode();
        }
        process_.terminate();
        if (!process_.waitForFinished(timeoutMs)) {
            kill();
            return -1;
        }
        return exitCode();
    }
    void kill() {
        if (process_.state() != QProcess::NotRunning) {
            process_.kill();
            process_.waitForFinished(5000);
        }
    }
    bool running() const { return process_.state() != QProcess::NotRunning; }
    QString output() const { return read(logFile_); }
    QString errors() const { return read(logFile_ + ".err"); }

  private:
    int exitCode() const {
        return process_.exitStatus() == QProcess::NormalExit ? process_.exitCode() : -1;
    }
    static QString read(const QString& path) {
        QFile f(path);
        return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
    }
    QString logFile_;
    QProcess process_;
};
