#pragma once

#include <signal.h>

#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QString>
#include <QStringList>

#include <vector>

#include "process_runner.h"

// A real `erl` node run as a mesh service by a real `meshx serve` process:
//
//   meshx serve --agent A --service S --id ID -- erl -sname N -setcookie C -start_epmd false
//               -erl_epmd_port {{port}} -noinput -eval "<watchdog>, <eval>, <ready marker>"
//
// meshx serve forwards its stdin to erl, so the stdin watchdog of erl_peer.h works through it:
// the test's pipe closing (the test died) halts erl, and meshx serve then stops the service.
// Killed (SIGKILL) on destruction, which takes erl (parent-death signal) and the sidecar down.
// Test thread only.
class ServedErl {
  public:
    ServedErl() = default;
    ~ServedErl() { kill(); }
    ServedErl(const ServedErl&) = delete;
    ServedErl& operator=(const ServedErl&) = delete;

    // Starts it and waits (bounded) for erl's ready marker, printed once distribution is up.
    bool start(const QString& agent, const QString& configPath, const QString& service,
               const QString& id, const QString& sname, const QString& cookie,
               const QString& eval = {}) {
        QString ready =
            "spawn(fun() -> P = open_port({fd, 0, 1}, [eof, binary]), "
            "(fun L() -> receive {P, eof} -> erlang:halt(); _ -> L() end end)() end), ";
        ready += eval.isEmpty() ? QString() : eval + ", ";
        ready += "io:format(\"meshx-peer-ready~n\")";
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("MESHX_CONFIG"), configPath);
        process_.setProcessEnvironment(env);
        process_.setProcessChannelMode(QProcess::MergedChannels);
        process_.start(meshxBinary(QStringLiteral("meshx")), {"serve",
                                                              "--agent",
                                                              agent,
                                                              "--service",
                                                              service,
                                                              "--id",
                                                              id,
                                                              "--",
                                                              QStringLiteral(MESHX_ERL),
                                                              "-sname",
                                                              sname,
                                                              "-setcookie",
                                                              cookie,
                                                              "-start_epmd",
                                                              "false",
                                                              "-erl_epmd_port",
                                                              "{{port}}",
                                                              "-noinput",
                                                              "-eval",
                                                              ready});
        if (!process_.waitForStarted(10000) || !waitForOutput("meshx-peer-ready", 60000)) {
            return false;
        }
        children_ = childrenOf(processId());
        return true;
    }

    // Waits (bounded) until the output holds `needle`; false if it exited or time ran out.
    bool waitForOutput(const QString& needle, int timeoutMs = 20000) {
        QDeadlineTimer deadline(timeoutMs);
        while (!output().contains(needle)) {
            if (process_.state() == QProcess::NotRunning || deadline.hasExpired()) {
                return output().contains(needle);
            }
            process_.waitForReadyRead(200);
        }
        return true;
    }

    QString output() {
        output_ += QString::fromUtf8(process_.readAll());
        return output_;
    }

    qint64 processId() const { return process_.processId(); }
    bool isRunning() const { return process_.state() != QProcess::NotRunning; }
    // The processes meshx serve had started when erl was ready: erl itself and the sidecar.
    const std::vector<qint64>& children() const { return children_; }

    void signal(int sig) {
        if (process_.state() != QProcess::NotRunning) {
            ::kill(static_cast<pid_t>(process_.processId()), sig);
        }
    }
    bool waitFinished(int timeoutMs) {
        return process_.state() == QProcess::NotRunning || process_.waitForFinished(timeoutMs);
    }
    void kill() {
        if (process_.state() != QProcess::NotRunning) {
            process_.kill();
            process_.waitForFinished(10000);
        }
    }

    // Direct children of `pid`, from /proc.
    static std::vector<qint64> childrenOf(qint64 pid) {
        std::vector<qint64> out;
        for (const QString& entry : QDir(QStringLiteral("/proc")).entryList(QDir::Dirs)) {
            bool numeric = false;
            qint64 child = entry.toLongLong(&numeric);
            if (numeric && parentOf(child) == pid) {
                out.push_back(child);
            }
        }
        return out;
    }

    // The parent pid of a live process; -1 when it is gone (or a zombie: it has stopped).
    static qint64 parentOf(qint64 pid) {
        QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
        if (!stat.open(QIODevice::ReadOnly)) {
            return -1;
        }
        // "pid (comm) state ppid ...": comm may hold spaces, so read after the last ')'.
        const QString text = QString::fromUtf8(stat.readAll());
        const QStringList fields =
            text.mid(text.lastIndexOf(QLatin1Char(')')) + 2).split(QLatin1Char(' '));
        if (fields.size() < 2 || fields[0] == QLatin1String("Z")) {
            return -1;
        }
        return fields[1].toLongLong();
    }

    static QString commandOf(qint64 pid) {
        QFile comm(QStringLiteral("/proc/%1/comm").arg(pid));
        return comm.open(QIODevice::ReadOnly) ? QString::fromUtf8(comm.readAll()).trimmed()
                                              : QString();
    }

  private:
    QProcess process_;
    QString output_;
    std::vector<qint64> children_;
};
