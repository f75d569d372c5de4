#pragma once

#include <QDeadlineTimer>
#include <QProcess>
#include <QRegularExpression>
#include <QString>
#include <QStringList>

#include "process_runner.h"

// A real `meshx-agent -dev` process on 127.0.0.1 with a port of its own choosing (or a given
// one, to restart an agent in place). Its address is read from the start banner.
class AgentProcess {
  public:
    explicit AgentProcess(int port = 0, QStringList extraArgs = {}) {
        process_.setProcessChannelMode(QProcess::MergedChannels);
        process_.start(meshxBinary(QStringLiteral("meshx-agent")),
                       QStringList{QStringLiteral("-dev"), QStringLiteral("-http-port"),
                                   QString::number(port)} +
                           extraArgs);
        QDeadlineTimer deadline(20000);
        static const QRegularExpression re(QStringLiteral(R"(HTTP address: (\S+))"));
        while (!deadline.hasExpired() && process_.state() != QProcess::NotRunning) {
            process_.waitForReadyRead(200);
            output_ += QString::fromUtf8(process_.readAll());
            auto m = re.match(output_);
            if (m.hasMatch()) {
                address_ = m.captured(1);
                break;
            }
        }
    }
    ~AgentProcess() { kill(); }

    bool ok() const { return !address_.isEmpty(); }
    // `http://127.0.0.1:PORT`, as CONSUL_HTTP_ADDR takes it.
    const QString& address() const { return address_; }
    int port() const { return address_.section(QLatin1Char(':'), -1).toInt(); }
    const QString& output() const { return output_; }

    void kill() {
        if (process_.state() != QProcess::NotRunning) {
            process_.kill();
            process_.waitForFinished(5000);
        }
    }

  private:
    QProcess process_;
    QString address_;
    QString output_;
};
