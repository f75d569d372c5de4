#include <QProcess>
#include <QtTest>

#include "meshx/version.h"
#include "process_runner.h"

// `meshx-console --help` and `--version` where there is no display at all (over ssh, in
// scripts, in packaging checks): the real binary, with DISPLAY, WAYLAND_DISPLAY and
// QT_QPA_PLATFORM removed from its environment, answers and exits 0 instead of aborting.
class TestConsoleWithoutDisplay : public QObject {
    Q_OBJECT

    static ProcessRun runWithoutDisplay(const QStringList& args) {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        for (const char* name : {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"}) {
            env.remove(QString::fromLatin1(name));
        }
        env.insert(QStringLiteral("MESHX_CONFIG"), QStringLiteral("/nonexistent-meshx-config"));
        QProcess p;
        p.setProcessEnvironment(env);
        p.start(meshxBinary(QStringLiteral("meshx-console")), args);
        ProcessRun r;
        if (!p.waitForStarted(30000)) {
            r.err = p.errorString();
            return r;
        }
        p.closeWriteChannel();
        r.finished = p.waitForFinished(60000);
        if (!r.finished) {
            p.kill();
            p.waitForFinished(5000);
        }
        r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
        r.out = QString::fromUtf8(p.readAllStandardOutput());
        r.err = QString::fromUtf8(p.readAllStandardError());
        return r;
    }

  private slots:
    void version_data() {
        QTest::addColumn<QString>("flag");
        QTest::newRow("--version") << QStringLiteral("--version");
        QTest::newRow("-v") << QStringLiteral("-v");
    }
    void version() {
        QFETCH(QString, flag);
        const ProcessRun r = runWithoutDisplay({flag});
        QVERIFY2(r.finished, "meshx-console did not exit");
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QCOMPARE(r.out, QStringLiteral("meshx-console %1\n").arg(QLatin1String(meshx::kVersion)));
        QVERIFY2(r.err.isEmpty(), qPrintable(r.err));
    }

    void help_data() {
        QTest::addColumn<QStringList>("args");
        QTest::newRow("--help") << QStringList{QStringLiteral("--help")};
        QTest::newRow("-h") << QStringList{QStringLiteral("-h")};
        QTest::newRow("after another option") << QStringList{
            QStringLiteral("--palette"), QStringLiteral("dark"), QStringLiteral("--help")};
    }
    void help() {
        QFETCH(QStringList, args);
        const ProcessRun r = runWithoutDisplay(args);
        QVERIFY2(r.finished, "meshx-console did not exit");
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QVERIFY2(r.err.isEmpty(), qPrintable(r.err));
        const QString usage = QStringLiteral("Usage: %1 [options]\n")
                                  .arg(meshxBinary(QStringLiteral("meshx-console")));
        QVERIFY2(r.out.startsWith(usage), qPrintable(r.out));
        QVERIFY(r.out.contains(
            QLatin1String("Meshx console: launch, wire and watch services on a Consul mesh.")));
        for (const char* option : {"-h, --help", "-v, --version", "--screenshot <path>",
                                   "--tab <name>", "--palette <mode>", "--demo <id>", "--auto"}) {
            QVERIFY2(r.out.contains(QLatin1String(option)), option);
        }
    }
};

QTEST_GUILESS_MAIN(TestConsoleWithoutDisplay)
#include "test_console_without_display.moc"
