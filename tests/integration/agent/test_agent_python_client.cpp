// A third-party Consul client against the real meshx-agent: Debian's python3-consul2
// (run with /usr/bin/python3, which sees Debian's python packages) registers a service with a
// TTL check, passes, warns and fails it, and reads health and catalog.

#include <QFileInfo>

#include "agent_process.h"
#include "meshx_test.h"

class TestAgentPythonClient : public QObject {
    Q_OBJECT

  private slots:
    void pythonConsul2RegistersPassesAndReadsHealth() {
        const QString python = QStringLiteral("/usr/bin/python3");
        if (!QFileInfo::exists(python)) {
            QSKIP("/usr/bin/python3 is not installed");
        }
        const auto probe = runProcess(python, {"-c", "import consul"});
        QVERIFY2(probe.exitCode == 0,
                 qPrintable("python3-consul2 is missing (apt-get install python3-consul2): " +
                            probe.err));
        AgentProcess agent;
        QVERIFY2(agent.start(), qPrintable(agent.output()));
        const QString hostPort = agent.address().mid(QStringLiteral("http://").size());
        const QString script =
            QStringLiteral(MESHX_SOURCE_DIR "/tests/integration/agent/python_consul_client.py");
        const auto run = runProcess(
            python, {script, hostPort.section(':', 0, 0), hostPort.section(':', 1)}, 60000);
        QVERIFY2(run.finished, "the python client did not finish in time");
        QVERIFY2(run.exitCode == 0,
                 qPrintable(run.out + run.err + "\nagent log:\n" + agent.output()));
        QCOMPARE(run.out.trimmed(), QStringLiteral("OK"));
        QCOMPARE(agent.stop(), 0);
    }
};

QTEST_GUILESS_MAIN(TestAgentPythonClient)
#include "test_agent_python_client.moc"
