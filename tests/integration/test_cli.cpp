#include <QtTest>

#include "process_runner.h"

// Runs the real binaries of the build tree: what a user types, what they see.
class TestCli : public QObject {
    Q_OBJECT

  private slots:
    void versionAndHelp_data() {
        QTest::addColumn<QString>("binary");
        QTest::addColumn<QString>("flag");
        QTest::addColumn<QString>("expected");
        for (const char* b : {"meshx", "meshx-agent", "meshx-proxy", "meshx-console"}) {
            QTest::addRow("%s --version", b) << b << "--version"
                                             << "0.1.0";
            QTest::addRow("%s --help", b) << b << "--help"
                                          << "Usage:";
        }
    }
    void versionAndHelp() {
        QFETCH(QString, binary);
        QFETCH(QString, flag);
        QFETCH(QString, expected);
        auto r = runProcess(meshxBinary(binary), {flag});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains(expected), qPrintable(r.out + r.err));
    }

    void templateRenderGivesTheMeshxConsulExample() {
        auto r = runProcess(
            meshxBinary("meshx"),
            {"template", "render", "--template",
             R"({"string":"{{string_key}}","int":"{{$int_key$}}","static":"static_string"})",
             "--hash", R"({"string_key":"123abc","int_key":123})"});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.out.trimmed(),
                 QStringLiteral(R"({"int":123,"static":"static_string","string":"123abc"})"));
    }

    void templateRenderFromFile() {
        QTemporaryDir dir;
        const QString path = dir.filePath("svc.json");
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(R"({"ID":"{{id}}","Port":"{{$port$}}"})");
        f.close();
        auto r = runProcess(meshxBinary("meshx"), {"template", "render", "--template", path,
                                                   "--hash", R"({"id":"a&b","port":7})"});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.out.trimmed(), QStringLiteral(R"({"ID":"a&b","Port":7})"));
    }

    void badInputExitsTwoWithOneLine_data() {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("reason");
        QTest::newRow("malformed template")
            << QStringList{"template", "render", "--template", "{\"a\":", "--hash", "{}"}
            << "not valid JSON";
        QTest::newRow("unknown $ key")
            << QStringList{"template", "render", "--template", R"({"p":"{{$port$}}"})",
                           "--hash",   "{}"}
            << "$port$";
        QTest::newRow("missing key")
            << QStringList{"template", "render", "--template", R"({"p":"{{name}}"})"} << "'name'";
        QTest::newRow("non-JSON hash")
            << QStringList{"template", "render", "--template", "{}", "--hash", "name=web"}
            << "--hash must be a JSON object";
        QTest::newRow("unknown command") << QStringList{"frobnicate"} << "unknown command";
        QTest::newRow("missing file")
            << QStringList{"template", "render", "--template", "/nonexistent.json"}
            << "cannot read template file";
    }
    void badInputExitsTwoWithOneLine() {
        QFETCH(QStringList, args);
        QFETCH(QString, reason);
        auto r = runProcess(meshxBinary("meshx"), args);
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(reason), qPrintable(r.err));
        QCOMPARE(r.err.trimmed().count(QLatin1Char('\n')), 0);
        QVERIFY(r.out.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "test_cli.moc"
