#pragma once

// The one helper every test uses to run a real `meshx-agent -dev` process: port 0 (the agent
// picks a free one) or a given port (to restart an agent in place), on TCP or a unix socket
// (`-client unix:///path`), with the address read from its start banner.
//
// Its stdout and stderr go to files in a temporary directory, never to a pipe: a chatty agent
// can never fill a pipe nobody drains and stall, and output() stays complete after a crash.
//
//   AgentProcess agent;
//   QVERIFY2(agent.start({"-default-intention-policy", "deny"}), qPrintable(agent.error()));
//   config.agent = *meshx::AgentEndpoint::parse(agent.address().toStdString());

#include <QDeadlineTimer>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>

#include <string>

#include "process_runner.h"

class AgentProcess {
  public:
    AgentProcess() = default;
    // Starts at once (see start()); check ok().
    explicit AgentProcess(int port, const QStringList& extra = {}) { start(extra, port); }
    AgentProcess(const AgentProcess&) = delete;
    AgentProcess& operator=(const AgentProcess&) = delete;
    ~AgentProcess() { stop(); }

    // Starts `meshx-agent -dev -http-port <port> -node test-node <extra>` (no -node when `extra`
    // names one) and waits, bounded by `timeoutMs`, for the "HTTP address:" banner line. False,
    // with error() saying why, when it does not come.
    bool start(const QStringList& extra = {}, int port = 0, int timeoutMs = 30000) {
        if (!dir_.isValid()) {
            error_ = QStringLiteral("no temporary directory");
            return false;
        }
        process_.setStandardOutputFile(dir_.filePath(QStringLiteral("agent.log")));
        process_.setStandardErrorFile(dir_.filePath(QStringLiteral("agent.err")));
        QStringList args{QStringLiteral("-dev"), QStringLiteral("-http-port"),
                         QString::number(port)};
        if (!extra.contains(QStringLiteral("-node"))) {
            args << QStringLiteral("-node") << QStringLiteral("test-node");
        }
        args << extra;
        process_.start(meshxBinary(QStringLiteral("meshx-agent")), args);
        if (!process_.waitForStarted(timeoutMs)) {
            error_ = process_.errorString();
            return false;
        }
        static const QRegularExpression kAddress(QStringLiteral("HTTP address: (\\S+)\\n"));
        QDeadlineTimer deadline(timeoutMs);
        while (!deadline.hasExpired()) {
            if (const auto m = kAddress.match(output()); m.hasMatch()) {
                address_ = m.captured(1);
                return true;
            }
            if (process_.state() == QProcess::NotRunning) {
                break;
            }
            process_.waitForFinished(20);  // a bounded poll of the log file, not a sleep
        }
        error_ = QStringLiteral("no HTTP address in the agent's banner: ") + output() + errors();
        return false;
    }

    bool ok() const { return !address_.isEmpty(); }
    // "http://127.0.0.1:PORT" (as CONSUL_HTTP_ADDR takes it) or "unix:///path".
    const QString& address() const { return address_; }
    std::string addressString() const { return address_.toStdString(); }
    int port() const { return address_.section(QLatin1Char(':'), -1).toInt(); }
    // Why start() failed.
    const QString& error() const { return error_; }
    QString output() const { return readFile(QStringLiteral("agent.log")); }
    QString errors() const { return readFile(QStringLiteral("agent.err")); }
    QProcess& process() { return process_; }
    // A path in the agent's temporary directory (for unix sockets).
    QString tempPath(const QString& name) const { return dir_.filePath(name); }

    // SIGTERM and wait; the exit code (-1 when it had to be killed or it crashed).
    int stop(int timeoutMs = 15000) {
        if (process_.state() != QProcess::NotRunning) {
            process_.terminate();
            if (!process_.waitForFinished(timeoutMs)) {
                kill();
                return -1;
            }
        }
        return process_.exitStatus() == QProcess::NormalExit ? process_.exitCode() : -1;
    }
    // SIGKILL: an agent dying without a word.
    void kill() {
        if (process_.state() != QProcess::NotRunning) {
            process_.kill();
            process_.waitForFinished(5000);
        }
    }

  private:
    QString readFile(const QString& name) const {
        QFile f(dir_.filePath(name));
        return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
    }

    QTemporaryDir dir_;
    QProcess process_;
    QString address_;
    QString error_;
};
