#pragma once

// Runs the real `meshx-agent` (port 0 or a unix socket) and reads the bound address from its
// start banner. Its stdout goes to a file, so a chatty log can never fill a pipe and stall it.

#include <QDeadlineTimer>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QThread>

#include <memory>
#include <string>

#include "common/mesh_config.h"
#include "consul/consul_client.h"
#include "process_runner.h"

class AgentProcess {
  public:
    AgentProcess() = default;
    AgentProcess(const AgentProcess&) = delete;
    AgentProcess& operator=(const AgentProcess&) = delete;
    ~AgentProcess() { stop(); }

    // Starts `meshx-agent -dev -http-port 0 -node test-node <extra>` and waits (bounded) for the
    // "    HTTP address: " banner line.
    bool start(const QStringList& extra = {}, int timeoutMs = 30000) {
        if (!dir_.isValid()) {
            return false;
        }
        logPath_ = dir_.filePath(QStringLiteral("agent.log"));
        process_.setStandardOutputFile(logPath_);
        process_.setStandardErrorFile(dir_.filePath(QStringLiteral("agent.err")));
        QStringList args{"-dev", "-http-port", "0", "-node", "test-node"};
        args << extra;
        process_.start(meshxBinary(QStringLiteral("meshx-agent")), args);
        if (!process_.waitForStarted(timeoutMs)) {
            return false;
        }
        static const QRegularExpression re(QStringLiteral("\\n    HTTP address: (\\S+)\\n"));
        QDeadlineTimer deadline(timeoutMs);
        while (!deadline.hasExpired()) {
            const auto m = re.match(output());
            if (m.hasMatch()) {
                address_ = m.captured(1);
                return true;
            }
            if (process_.state() == QProcess::NotRunning) {
                return false;
            }
            process_.waitForFinished(20);  // a bounded poll, not a synchronisation sleep
        }
        return false;
    }

    // "http://127.0.0.1:PORT" or "unix:///path".
    const QString& address() const { return address_; }
    QString output() const {
        QFile f(logPath_);
        return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
    }
    QString errors() const {
        QFile f(dir_.filePath(QStringLiteral("agent.err")));
        return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
    }
    QProcess& process() { return process_; }
    QString tempPath(const QString& name) const { return dir_.filePath(name); }

    std::unique_ptr<meshx::consul::ConsulClient> client(const std::string& token = {}) const {
        meshx::MeshConfig config;
        auto endpoint = meshx::AgentEndpoint::parse(address_.toStdString());
        if (!endpoint) {
            return nullptr;
        }
        config.agent = *endpoint;
        config.token = token;
        auto c = meshx::consul::ConsulClient::create(config);
        return c ? std::move(*c) : nullptr;
    }

    // SIGTERM and wait; returns the exit code (-1 when it had to be killed).
    int stop(int timeoutMs = 15000) {
        if (process_.state() == QProcess::NotRunning) {
            return process_.exitStatus() == QProcess::NormalExit ? process_.exitCode() : -1;
        }
        process_.terminate();
        if (!process_.waitForFinished(timeoutMs)) {
            process_.kill();
            process_.waitForFinished(5000);
            return -1;
        }
        return process_.exitStatus() == QProcess::NormalExit ? process_.exitCode() : -1;
    }

  private:
    QTemporaryDir dir_;
    QProcess process_;
    QString logPath_;
    QString address_;
};
