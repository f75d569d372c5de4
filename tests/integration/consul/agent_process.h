#pragma once

// Runs the real `meshx-agent -dev -http-port 0` from the build tree and reads the HTTP address
// from its start banner ("    HTTP address: http://127.0.0.1:PORT").

#include <QElapsedTimer>
#include <QProcess>
#include <QRegularExpression>

#include <string>

#include "process_runner.h"

class AgentProcess {
  public:
    AgentProcess() = default;
    AgentProcess(const AgentProcess&) = delete;
    AgentProcess& operator=(const AgentProcess&) = delete;
    ~AgentProcess() {
        if (process_.state() != QProcess::NotRunning) {
            process_.terminate();
            if (!process_.waitForFinished(5000)) {
                process_.kill();
                process_.waitForFinished(5000);
            }
        }
    }

    // Starts the agent and waits (bounded) for its banner. False with `error()` set on failure.
    bool start(const QStringList& extra = {}) {
        process_.setProcessChannelMode(QProcess::MergedChannels);
        process_.start(meshxBinary(QStringLiteral("meshx-agent")),
                       QStringList{"-dev", "-http-port", "0", "-node", "it-node"} + extra);
        if (!process_.waitForStarted(10000)) {
            error_ = process_.errorString();
            return false;
        }
        static const QRegularExpression kAddress(QStringLiteral("HTTP address: (\\S+)"));
        QElapsedTimer timer;
        timer.start();
        while (timer.elapsed() < 30000) {
            process_.waitForReadyRead(200);
            output_ += QString::fromUtf8(process_.readAll());
            if (auto m = kAddress.match(output_); m.hasMatch()) {
                address_ = m.captured(1).toStdString();
                return true;
            }
            if (process_.state() == QProcess::NotRunning) {
                break;
            }
        }
        error_ = QStringLiteral("no HTTP address in the banner: ") + output_;
        return false;
    }

    const std::string& address() const { return address_; }  // http://127.0.0.1:PORT
    const QString& error() const { return error_; }
    QString output() {
        output_ += QString::fromUtf8(process_.readAll());
        return output_;
    }

  private:
    QProcess process_;
    std::string address_;
    QString output_;
    QString error_;
};
