#pragma once

#include <signal.h>

#include <QDeadlineTimer>
#include <QHostAddress>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <QTcpServer>

// A real `erl` node run as a child process for the node integration tests. It prints a marker
// from -eval once booted (distribution is up before -eval runs), so tests wait for that line
// instead of sleeping. Killed (SIGKILL) and reaped on destruction, and halts by itself if the
// test process dies. Test thread only.
class ErlPeer {
  public:
    ErlPeer() = default;
    ~ErlPeer() { kill(); }
    ErlPeer(const ErlPeer&) = delete;
    ErlPeer& operator=(const ErlPeer&) = delete;

    // A port nothing listens on right now (bound, read back, released).
    static quint16 freePort() {
        QTcpServer s;
        s.listen(QHostAddress::LocalHost, 0);
        return s.serverPort();
    }

    // A peer our node dials: listens on `port` with no EPMD (the flags docs/erlang-peers.md
    // describes). `eval` runs before the ready marker is printed.
    bool startListening(const QString& sname, const QString& cookie, quint16 port,
                        const QString& eval = {}, const QStringList& extra = {}) {
        port_ = port;
        QStringList args = {"-sname",      sname,   "-setcookie",     cookie,
                            "-start_epmd", "false", "-erl_epmd_port", QString::number(port)};
        return start(args + extra, eval);
    }

    // A peer that dials our node: it does not listen (so it cannot clash with our port) and
    // finds every node at `ourPort`.
    bool startDialling(const QString& name, const QString& cookie, quint16 ourPort,
                       const QString& eval) {
        QStringList args = {
            "-name", name,           "-setcookie", cookie,           "-start_epmd",
            "false", "-dist_listen", "false",      "-erl_epmd_port", QString::number(ourPort)};
        return start(args, eval);
    }

    // Waits (bounded) until the peer printed `needle`; false if it exited or time ran out.
    bool waitForOutput(const QString& needle, int timeoutMs = 20000) {
        QDeadlineTimer deadline(timeoutMs);
        while (!output_.contains(needle)) {
            if (process_.state() == QProcess::NotRunning) {
                output_ += QString::fromUtf8(process_.readAll());
                return output_.contains(needle);
            }
            auto left = static_cast<int>(std::max<qint64>(1, deadline.remainingTime()));
            if (deadline.hasExpired()) {
                return false;
            }
            process_.waitForReadyRead(std::min(left, 200));
            output_ += QString::fromUtf8(process_.readAll());
        }
        return true;
    }

    void kill() {
        if (process_.state() != QProcess::NotRunning) {
            if (stopped_) {
                ::kill(static_cast<pid_t>(process_.processId()), SIGCONT);
            }
            process_.kill();
            process_.waitForFinished(10000);
        }
    }

    // Freezes / thaws the whole VM: a peer that is alive but silent.
    void pause() {
        ::kill(static_cast<pid_t>(process_.processId()), SIGSTOP);
        stopped_ = true;
    }

    bool isRunning() const { return process_.state() != QProcess::NotRunning; }
    qint64 pid() const { return process_.processId(); }
    quint16 port() const { return port_; }
    QString output() {
        output_ += QString::fromUtf8(process_.readAll());
        return output_;
    }

  private:
    bool start(const QStringList& args, const QString& eval) {
        // The peer halts when its stdin (our pipe) closes, so a crashed test leaves no erl behind.
        QString ready =
            "spawn(fun() -> P = open_port({fd, 0, 1}, [eof, binary]), "
            "(fun L() -> receive {P, eof} -> erlang:halt(); _ -> L() end end)() end), ";
        ready += eval.isEmpty() ? QString() : eval + ", ";
        ready += "io:format(\"meshx-peer-ready~n\")";
        process_.setProcessChannelMode(QProcess::MergedChannels);
        process_.start(QStringLiteral(MESHX_ERL), args + QStringList{"-noinput", "-eval", ready});
        return process_.waitForStarted(10000) && waitForOutput("meshx-peer-ready");
    }

    QProcess process_;
    QString output_;
    quint16 port_ = 0;
    bool stopped_ = false;
};
