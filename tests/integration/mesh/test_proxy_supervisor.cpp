#include "meshx_test.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTemporaryFile>

#include <chrono>
#include <string>
#include <vector>

#include "common/mesh_config.h"
#include "mesh/proxy_supervisor.h"
#include "telemetry/in_process_bus.h"
#include "telemetry/lifecycle_event.h"
#include "telemetry/log_line.h"

using namespace std::chrono_literals;
using meshx::Code;
using meshx::MeshConfig;
using meshx::mesh::ProxyState;
using meshx::mesh::ProxySupervisor;
using meshx::telemetry::Event;
using meshx::telemetry::InProcessBus;
using meshx::telemetry::LifecycleEvent;
using meshx::telemetry::LogLine;

namespace {

// Alive and not a zombie: a reaped or unreapable-but-dead process both count as gone, since a
// container's init may never reap what it inherits.
bool processAlive(qint64 pid) {
    if (pid <= 0 || ::kill(static_cast<pid_t>(pid), 0) != 0) {
        return false;
    }
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly)) {
        return false;
    }
    const QByteArray text = stat.readAll();
    const qsizetype close = text.lastIndexOf(')');  // the command name may contain spaces
    return close < 0 || close + 2 >= text.size() || text.at(close + 2) != 'Z';
}

std::vector<std::string> sh(const std::string& script) {
    return {"/bin/sh", "-c", script};
}

bool hasLine(const ProxySupervisor& s, const std::string& text) {
    for (const auto& l : s.logLines()) {
        if (l.line == text) {
            return true;
        }
    }
    return false;
}

int countLines(const ProxySupervisor& s, const std::string& text) {
    int n = 0;
    for (const auto& l : s.logLines()) {
        n += l.line == text ? 1 : 0;
    }
    return n;
}

std::vector<Event> drain(meshx::telemetry::Subscription& sub) {
    std::vector<Event> out;
    sub.drain(out);
    return out;
}

}  // namespace

class TestProxySupervisor : public QObject {
    Q_OBJECT

  private:
    InProcessBus bus_;
    MeshConfig config_;

    ProxySupervisor::Options options(int maxRestarts = 5) {
        ProxySupervisor::Options o;
        o.maxRestarts = maxRestarts;
        o.restartDelay = 10ms;
        o.stopTimeout = 3000ms;
        o.bus = &bus_;
        return o;
    }

  private slots:
    void linesReachRingAndBus() {
        auto sub = bus_.subscribe(1000);
        ProxySupervisor s("web-1", sh("echo out-1; echo err-1 >&2; echo out-2; exec sleep 60"),
                          config_, options());
        QSignalSpy started(&s, &ProxySupervisor::started);
        const auto before = std::chrono::system_clock::now();
        QVERIFY(s.start().ok());
        QCOMPARE(started.count(), 1);
        QCOMPARE(s.state(), ProxyState::Running);
        QVERIFY(s.info().pid > 0);
        QTRY_VERIFY_WITH_TIMEOUT(hasLine(s, "out-2") && hasLine(s, "err-1"), 10000);

        for (const auto& l : s.logLines()) {
            QCOMPARE(l.serviceId, std::string("web-1"));
            QVERIFY(l.timeUs >=
                    std::chrono::duration_cast<std::chrono::microseconds>(before.time_since_epoch())
                        .count());
            QVERIFY(l.stream ==
                    (l.line == "err-1" ? LogLine::Stream::Stderr : LogLine::Stream::Stdout));
        }
        // The bus carries the same lines (LogLine convention) and the start (lifecycle).
        std::vector<std::string> busLines;
        bool sawStarted = false;
        for (const auto& e : drain(*sub)) {
            if (auto l = LogLine::fromEvent(e)) {
                QCOMPARE(l->serviceId, std::string("web-1"));
                busLines.push_back(std::string(LogLine::streamName(l->stream)) + ":" + l->line);
            } else if (auto m = LifecycleEvent::fromEvent(e)) {
                sawStarted |= m->name == LifecycleEvent::kProxyStarted &&
                              m->details["pid"].get<int64_t>() == s.info().pid;
            }
        }
        QVERIFY(sawStarted);
        QVERIFY(std::find(busLines.begin(), busLines.end(), "stdout:out-1") != busLines.end());
        QVERIFY(std::find(busLines.begin(), busLines.end(), "stderr:err-1") != busLines.end());
        // Order within one stream is kept.
        auto o1 = std::find(busLines.begin(), busLines.end(), "stdout:out-1");
        auto o2 = std::find(busLines.begin(), busLines.end(), "stdout:out-2");
        QVERIFY(o1 < o2);
    }

    void environmentCarriesAgentAndTokenWithoutLeaking() {
        auto sub = bus_.subscribe(1000);
        MeshConfig config;
        config.agent.port = 18555;
        config.token = "s3cret-t0ken-value";
        ProxySupervisor s("env-1",
                          sh("echo addr=$CONSUL_HTTP_ADDR; "
                             "[ \"$CONSUL_HTTP_TOKEN\" = \"$EXPECTED_TOKEN\" ] && echo token-ok; "
                             "echo extra=$MESHX_EXTRA"),
                          config, [&] {
                              auto o = options(0);
                              o.extraEnv["MESHX_EXTRA"] = "yes";
                              o.extraEnv["EXPECTED_TOKEN"] = "s3cret-t0ken-value";
                              return o;
                          }());
        QSignalSpy gaveUp(&s, &ProxySupervisor::gaveUp);
        QVERIFY(s.start().ok());
        QVERIFY(gaveUp.wait(10000));
        QVERIFY(hasLine(s, "addr=http://127.0.0.1:18555"));
        QVERIFY(hasLine(s, "token-ok"));
        QVERIFY(hasLine(s, "extra=yes"));
        QVERIFY(s.info().toJson().dump().find("s3cret") == std::string::npos);
        for (const auto& e : drain(*sub)) {
            QVERIFY(e.meta.dump().find("s3cret") == std::string::npos);
        }
    }

    void restartsUpToMaxThenGivesUpWithReason() {
        auto sub = bus_.subscribe(1000);
        ProxySupervisor s("crash-1", sh("echo run; exit 3"), config_, options(3));
        QSignalSpy restarted(&s, &ProxySupervisor::restarted);
        QSignalSpy exited(&s, &ProxySupervisor::exited);
        QSignalSpy gaveUp(&s, &ProxySupervisor::gaveUp);
        QVERIFY(s.start().ok());
        QVERIFY(gaveUp.count() == 1 || gaveUp.wait(15000));
        QCOMPARE(restarted.count(), 3);
        for (int i = 0; i < 3; ++i) {
            QCOMPARE(restarted.at(i).at(0).toInt(), i + 1);
            QCOMPARE(restarted.at(i).at(1).toString(), QStringLiteral("exit code 3"));
        }
        QCOMPARE(exited.count(), 4);  // the first run and three restarts
        QCOMPARE(gaveUp.at(0).at(0).toInt(), 3);
        QCOMPARE(gaveUp.at(0).at(1).toString(), QStringLiteral("exit code 3"));
        const auto info = s.info();
        QCOMPARE(info.state, ProxyState::GaveUp);
        QCOMPARE(info.restarts, 3);
        QCOMPARE(info.lastExitReason, std::string("exit code 3"));
        QCOMPARE(info.pid, int64_t(0));
        QCOMPARE(info.toJson()["state"].get<std::string>(), std::string("gave_up"));
        QCOMPARE(countLines(s, "run"), 4);
        // The console sees the same story as lifecycle events.
        std::vector<std::string> steps;
        for (const auto& e : drain(*sub)) {
            if (auto m = LifecycleEvent::fromEvent(e); m && m->serviceId == "crash-1") {
                steps.push_back(m->name);
            }
        }
        const std::vector<std::string> expected = {
            "proxy.started", "proxy.exited",    "proxy.started",   "proxy.restarted",
            "proxy.exited",  "proxy.started",   "proxy.restarted", "proxy.exited",
            "proxy.started", "proxy.restarted", "proxy.exited",    "proxy.gave_up"};
        QCOMPARE(steps, expected);
        // Nothing more happens once it gave up.
        QVERIFY(!restarted.wait(300));
        QCOMPARE(restarted.count(), 3);
    }

    // proxy_log_dir: every run's lines land in one file per service, timestamped and kept after
    // the supervisor is gone; a directory that cannot be used fails the start, naming it.
    void logDirKeepsLinesOfEveryRun() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const std::string logDir = dir.filePath("logs").toStdString();  // created on demand
        {
            auto o = options(1);
            o.logDir = logDir;
            ProxySupervisor s("file/1", sh("echo run-out; echo run-err >&2; exit 3"), config_, o);
            QSignalSpy gaveUp(&s, &ProxySupervisor::gaveUp);
            QVERIFY(s.start().ok());
            QVERIFY(gaveUp.count() == 1 || gaveUp.wait(15000));
        }
        QFile f(QString::fromStdString(logDir + "/file_1.log"));  // '/' cannot be in a name
        QVERIFY2(f.open(QIODevice::ReadOnly), qPrintable(f.fileName()));
        const QStringList lines = QString::fromUtf8(f.readAll()).split('\n', Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 4);  // two lines from each of the two runs
        const QRegularExpression shape(
            QStringLiteral("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z (stdout "
                           "run-out|stderr run-err)$"));
        for (const auto& line : lines) {
            QVERIFY2(shape.match(line).hasMatch(), qPrintable(line));
        }
        QCOMPARE(lines.filter(QStringLiteral("stdout run-out")).size(), 2);

        QTemporaryFile notADir;
        QVERIFY(notADir.open());
        auto o = options(0);
        o.logDir = notADir.fileName().toStdString();
        ProxySupervisor bad("web-2", sh("exec sleep 60"), config_, o);
        const auto st = bad.start();
        QVERIFY(!st.ok());
        QCOMPARE(st.error().code, meshx::Code::ProxyFailed);
        QVERIFY2(st.error().message.find(o.logDir) != std::string::npos,
                 st.error().message.c_str());
        QCOMPARE(bad.state(), ProxyState::Idle);
    }

    void signalDeathIsReported() {
        ProxySupervisor s("sig-1", sh("kill -KILL $$"), config_, options(0));
        QSignalSpy gaveUp(&s, &ProxySupervisor::gaveUp);
        QVERIFY(s.start().ok());
        QVERIFY(gaveUp.wait(10000));
        QCOMPARE(s.info().lastExitReason, std::string("signal 9 (SIGKILL)"));
    }

    void stopIsGracefulWhenProxyCooperates() {
        ProxySupervisor s("stop-1", {"sleep", "60"}, config_, options());
        QSignalSpy stopped(&s, &ProxySupervisor::stopped);
        QSignalSpy restarted(&s, &ProxySupervisor::restarted);
        QVERIFY(s.start().ok());
        const qint64 pid = s.info().pid;
        QVERIFY(s.stop());
        QVERIFY(stopped.wait(5000));
        QCOMPARE(stopped.at(0).at(0).toBool(), false);
        QCOMPARE(s.state(), ProxyState::Stopped);
        QCOMPARE(s.info().lastExitReason, std::string("signal 15 (SIGTERM)"));
        QVERIFY(!processAlive(pid));
        QCOMPARE(restarted.count(), 0);  // a requested stop is not a crash
        QVERIFY(!s.stop());              // nothing left to stop
    }

    void stopEscalatesToKillWithinDeadline() {
        auto o = options();
        o.stopTimeout = 500ms;
        // SIG_IGN survives exec: `sleep` itself ignores SIGTERM.
        ProxySupervisor s("hang-1", sh("trap '' TERM; echo ready; exec sleep 60"), config_, o);
        QSignalSpy stopped(&s, &ProxySupervisor::stopped);
        QVERIFY(s.start().ok());
        QTRY_VERIFY_WITH_TIMEOUT(hasLine(s, "ready"), 10000);  // the trap is set
        const qint64 pid = s.info().pid;
        QElapsedTimer t;
        t.start();
        QVERIFY(s.stop());
        QVERIFY(stopped.wait(10000));
        const qint64 ms = t.elapsed();
        QCOMPARE(stopped.at(0).at(0).toBool(), true);  // forced
        QVERIFY2(ms >= 450, qPrintable(QStringLiteral("killed after %1 ms").arg(ms)));
        QVERIFY2(ms < 5000, qPrintable(QStringLiteral("killed after %1 ms").arg(ms)));
        QCOMPARE(s.info().lastExitReason, std::string("signal 9 (SIGKILL)"));
        QVERIFY(!processAlive(pid));
    }

    void stopAndWaitBlocksUntilGone() {
        auto o = options();
        o.stopTimeout = 300ms;
        ProxySupervisor s("hang-2", sh("trap '' TERM; echo ready; exec sleep 60"), config_, o);
        QVERIFY(s.start().ok());
        QTRY_VERIFY_WITH_TIMEOUT(hasLine(s, "ready"), 10000);
        const qint64 pid = s.info().pid;
        s.stopAndWait();  // no event loop turn needed
        QCOMPARE(s.state(), ProxyState::Stopped);
        QVERIFY(!processAlive(pid));
    }

    void stopTakesTheProxysHelpersAlong() {
        ProxySupervisor s("group-1", sh("sleep 60 & echo helper $!; wait"), config_, options());
        QVERIFY(s.start().ok());
        QTRY_VERIFY_WITH_TIMEOUT(!s.logLines().empty(), 10000);
        const std::string line = s.logLines().front().line;
        QVERIFY(line.rfind("helper ", 0) == 0);
        const qint64 helper = std::stoll(line.substr(7));
        QVERIFY(processAlive(helper));
        QSignalSpy stopped(&s, &ProxySupervisor::stopped);
        QVERIFY(s.stop());
        QVERIFY(stopped.wait(10000));
        QTRY_VERIFY_WITH_TIMEOUT(!processAlive(helper), 5000);
    }

    void manualRestartResetsCountAndRelaunches() {
        ProxySupervisor s("re-1", sh("echo up; exec sleep 60"), config_, options());
        QSignalSpy started(&s, &ProxySupervisor::started);
        QVERIFY(s.start().ok());
        QTRY_VERIFY_WITH_TIMEOUT(hasLine(s, "up"), 10000);
        const qint64 first = s.info().pid;
        QVERIFY(s.restart().ok());
        QTRY_COMPARE_WITH_TIMEOUT(started.count(), 2, 10000);
        QCOMPARE(s.state(), ProxyState::Running);
        QVERIFY(s.info().pid != first);
        QCOMPARE(s.info().restarts, 0);
        QVERIFY(!processAlive(first));
        QTRY_COMPARE_WITH_TIMEOUT(countLines(s, "up"), 2, 10000);

        // After giving up, restart() brings it back at once.
        ProxySupervisor g("re-2", sh("exit 1"), config_, options(1));
        QSignalSpy gaveUp(&g, &ProxySupervisor::gaveUp);
        QVERIFY(g.start().ok());
        QVERIFY(gaveUp.wait(10000));
        QCOMPARE(g.info().restarts, 1);
        QVERIFY(g.restart().ok());
        QCOMPARE(g.info().restarts, 0);
        QVERIFY(gaveUp.wait(10000));
    }

    void startTwiceIsInvalidState() {
        ProxySupervisor s("twice-1", {"sleep", "60"}, config_, options());
        QVERIFY(s.start().ok());
        auto again = s.start();
        QVERIFY(!again.ok());
        QCOMPARE(again.error().code, Code::InvalidState);
    }

    void missingBinaryIsProxyFailedNamingIt() {
        ProxySupervisor a("miss-1", {"/nonexistent/meshx-no-such-proxy", "-x"}, config_, options());
        auto s = a.start();
        QVERIFY(!s.ok());
        QCOMPARE(s.error().code, Code::ProxyFailed);
        QVERIFY(s.error().message.find("/nonexistent/meshx-no-such-proxy") != std::string::npos);
        QCOMPARE(a.state(), ProxyState::Idle);

        ProxySupervisor b("miss-2", {"meshx-no-such-proxy-on-path"}, config_, options());
        s = b.start();
        QVERIFY(!s.ok());
        QCOMPARE(s.error().code, Code::ProxyFailed);
        QVERIFY(s.error().message.find("meshx-no-such-proxy-on-path") != std::string::npos);

        QTemporaryDir dir;
        const QString notExec = dir.filePath("proxy.sh");
        QFile f(notExec);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("#!/bin/sh\n");
        f.close();
        ProxySupervisor c("miss-3", {notExec.toStdString()}, config_, options());
        s = c.start();
        QVERIFY(!s.ok());
        QCOMPARE(s.error().code, Code::ProxyFailed);

        ProxySupervisor d("miss-4", {}, config_, options());
        QCOMPARE(d.start().error().code, Code::ProxyFailed);
    }

    void binaryVanishingDuringRestartsCountsAsFailure() {
        QTemporaryDir dir;
        const QString script = dir.filePath("proxy.sh");
        QFile f(script);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("#!/bin/sh\nrm -f \"$0\"\necho bye\nexit 4\n");
        f.close();
        QVERIFY(f.setPermissions(QFileDevice::ReadOwner | QFileDevice::ExeOwner));
        ProxySupervisor s("vanish-1", {script.toStdString()}, config_, options(2));
        QSignalSpy gaveUp(&s, &ProxySupervisor::gaveUp);
        QVERIFY(s.start().ok());
        QVERIFY(gaveUp.wait(10000));
        QCOMPARE(s.info().restarts, 2);
        QVERIFY(s.info().lastExitReason.find("failed to start") != std::string::npos);
        QVERIFY(s.info().lastExitReason.find(script.toStdString()) != std::string::npos);
    }

    void hugeAndInvalidLinesAreSafe() {
        auto o = options(0);
        o.maxLineBytes = 1000;
        ProxySupervisor s("junk-1",
                          sh("head -c 200000 /dev/zero | tr '\\000' a; echo; "
                             "printf '\\377\\376bad\\n'; printf 'no newline at end'"),
                          config_, o);
        QSignalSpy gaveUp(&s, &ProxySupervisor::gaveUp);
        QVERIFY(s.start().ok());
        QVERIFY(gaveUp.wait(10000));
        const auto lines = s.logLines();
        QCOMPARE(lines.size(), size_t(3));
        QCOMPARE(lines[0].line, std::string(1000, 'a'));
        QVERIFY(lines[0].truncated);
        QCOMPARE(lines[1].line, std::string("\xEF\xBF\xBD\xEF\xBF\xBD"
                                            "bad"));
        QCOMPARE(lines[2].line, std::string("no newline at end"));
    }

    void ringIsBounded() {
        auto o = options(0);
        o.logLines = 50;
        ProxySupervisor s("many-1",
                          sh("i=0; while [ $i -lt 300 ]; do echo line-$i; i=$((i+1)); done"),
                          config_, o);
        QSignalSpy gaveUp(&s, &ProxySupervisor::gaveUp);
        QVERIFY(s.start().ok());
        QVERIFY(gaveUp.wait(15000));
        const auto lines = s.logLines();
        QCOMPARE(lines.size(), size_t(50));
        QCOMPARE(lines.front().line, std::string("line-250"));
        QCOMPARE(lines.back().line, std::string("line-299"));
        QCOMPARE(s.droppedLogLines(), uint64_t(250));
    }

    void destructorLeavesNoProcess() {
        qint64 pid = 0;
        {
            auto o = options();
            o.stopTimeout = 300ms;
            ProxySupervisor s("dtor-1", sh("trap '' TERM; echo ready; exec sleep 60"), config_, o);
            QVERIFY(s.start().ok());
            QTRY_VERIFY_WITH_TIMEOUT(hasLine(s, "ready"), 10000);
            pid = s.info().pid;
        }
        QVERIFY(!processAlive(pid));
    }

    // The owner is SIGKILLed (no destructor, no cleanup code runs): the kernel must take the
    // proxy down through PR_SET_PDEATHSIG.
    void noOrphanAfterOwnerIsKilled() {
        QProcess owner;
        owner.start(QStringLiteral(MESHX_SUPERVISOR_OWNER),
                    {QStringLiteral("/bin/sh"), QStringLiteral("-c"),
                     QStringLiteral("trap '' TERM; exec sleep 60")});
        QVERIFY2(owner.waitForStarted(10000), qPrintable(owner.errorString()));
        QTRY_VERIFY_WITH_TIMEOUT(owner.canReadLine() || owner.state() != QProcess::Running, 15000);
        const QByteArray line = owner.readLine().trimmed();
        QVERIFY2(line.startsWith("proxy-pid "),
                 line.constData() + QByteArray(" / ") + owner.readAllStandardError());
        const qint64 proxyPid = line.mid(10).toLongLong();
        QVERIFY(processAlive(proxyPid));

        ::kill(static_cast<pid_t>(owner.processId()), SIGKILL);
        QVERIFY(owner.waitForFinished(10000));
        QTRY_VERIFY_WITH_TIMEOUT(!processAlive(proxyPid), 10000);
    }
};

QTEST_GUILESS_MAIN(TestProxySupervisor)
#include "test_proxy_supervisor.moc"
