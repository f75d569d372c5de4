#include <QDir>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSet>
#include <QTemporaryDir>
#include <QtTest>

#include "process_runner.h"

// The Debian package as a user gets it: `cpack -G DEB` from this build tree into a temporary
// directory, inspected with dpkg-deb (and lintian, desktop-file-validate, appstreamcli when they
// are installed), then unpacked into a throw-away root with `dpkg-deb -x` (no root needed) and run
// from there: the installed programs answer --version, the installed console renders a
// screenshot offscreen, the installed man pages list every option of the installed programs,
// the installed templates render and the example configuration loads.
namespace {

const QString kVersion = QStringLiteral(MESHX_VERSION_STRING);
const QStringList kPrograms = {"meshx", "meshx-agent", "meshx-proxy", "meshx-console"};

// Runs `program` with `args` in `env`; bounded by `timeoutMs`.
ProcessRun run(const QString& program, const QStringList& args, int timeoutMs,
               const QProcessEnvironment& env = QProcessEnvironment::systemEnvironment(),
               const QByteArray& stdinData = {}) {
    QProcess p;
    p.setProcessEnvironment(env);
    p.start(program, args);
    ProcessRun r;
    if (!p.waitForStarted(30000)) {
        r.err = p.errorString();
        return r;
    }
    if (!stdinData.isEmpty()) {
        p.write(stdinData);
    }
    p.closeWriteChannel();
    r.finished = p.waitForFinished(timeoutMs);
    if (!r.finished) {
        p.kill();
        p.waitForFinished(5000);
    }
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err = QString::fromUtf8(p.readAllStandardError());
    return r;
}

QString describe(const ProcessRun& r) {
    return QStringLiteral("exit %1%2\nstdout: %3\nstderr: %4")
        .arg(r.exitCode)
        .arg(r.finished ? QString() : QStringLiteral(" (timed out)"))
        .arg(r.out.left(4000), r.err.left(4000));
}

// Options a --help text names: -x, --long, -single-dash-long (Consul style). A dash inside a
// word (X-Consul-Token, list-upstream) is not an option.
QSet<QString> optionsIn(const QString& help) {
    static const QRegularExpression re(QStringLiteral("(?<![\\w-])(--?[A-Za-z][A-Za-z0-9-]*)"));
    QSet<QString> out;
    auto it = re.globalMatch(help);
    while (it.hasNext()) {
        out.insert(it.next().captured(1));
    }
    return out;
}

}  // namespace

class TestPackaging : public QObject {
    Q_OBJECT

    QTemporaryDir work_;
    QString deb_;
    QString root_;
    QProcessEnvironment env_;  // for the installed programs: no build-tree settings

    QString installed(const QString& path) const { return root_ + path; }

    // The Depends field names a Debian package providing `what` (a run-time library).
    static bool dependsOn(const QString& depends, const QString& package) {
        const QRegularExpression re(QStringLiteral("(^|[ ,|])") +
                                    QRegularExpression::escape(package) +
                                    QStringLiteral("( |,|$|\\()"));
        return re.match(depends).hasMatch();
    }

  private slots:
    void initTestCase() {
        QVERIFY(work_.isValid());
        // One package for the whole test; cpack installs the build tree (strip, dpkg-shlibdeps).
        auto r = run(QStringLiteral(MESHX_CPACK),
                     {"-G", "DEB", "--config", QStringLiteral(MESHX_BUILD_DIR "/CPackConfig.cmake"),
                      "-B", work_.filePath("out")},
                     420000);
        QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
        deb_ = work_.filePath(QStringLiteral("out/meshx_%1_amd64.deb").arg(kVersion));
        QVERIFY2(QFileInfo::exists(deb_), qPrintable("no " + deb_ + "\n" + r.out));
        root_ = work_.filePath("root");
        QVERIFY(QDir().mkpath(root_));
        r = run("dpkg-deb", {"-x", deb_, root_}, 120000);
        QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));

        env_ = QProcessEnvironment::systemEnvironment();
        for (const char* name : {"MESHX_CONFIG", "CONSUL_HTTP_ADDR", "CONSUL_HTTP_TOKEN"}) {
            env_.remove(QString::fromLatin1(name));
        }
        QVERIFY(QDir().mkpath(work_.filePath("home")));
        env_.insert("HOME", work_.filePath("home"));
        env_.insert("XDG_CONFIG_HOME", work_.filePath("home/.config"));
        env_.insert("XDG_RUNTIME_DIR", work_.filePath("home"));
        env_.insert("QT_QPA_PLATFORM", "offscreen");
        // The installed programs first on PATH, as after `apt-get install`.
        env_.insert("PATH", installed("/usr/bin") + ":" + env_.value("PATH"));
    }

    void controlFields() {
        auto r = run("dpkg-deb", {"-f", deb_}, 60000);
        QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
        qInfo().noquote() << "control:\n" + r.out;
        auto field = [&](const QString& name) {
            const QRegularExpression re(QStringLiteral("(?m)^") + name + QStringLiteral(": (.*)$"));
            return re.match(r.out).captured(1).trimmed();
        };
        QCOMPARE(field("Package"), QStringLiteral("meshx"));
        QCOMPARE(field("Version"), kVersion);
        QCOMPARE(field("Architecture"), QStringLiteral("amd64"));
        QVERIFY(field("Maintainer").contains(QRegularExpression("<[^@>]+@[^>]+>")));
        QVERIFY(!field("Description").isEmpty());
        // dpkg-shlibdeps found the libraries the programs link, as Debian package names.
        const QString depends = field("Depends");
        for (const char* package : {"libc6", "libstdc++6", "libqt6core6", "libqt6gui6",
                                    "libqt6widgets6", "libqt6network6", "libcurl4", "libssl3"}) {
            QVERIFY2(dependsOn(depends, QString::fromLatin1(package)),
                     qPrintable(QStringLiteral("Depends lacks %1: %2").arg(package, depends)));
        }
    }

    void contents() {
        auto r = run("dpkg-deb", {"-c", deb_}, 60000);
        QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
        QStringList expected;
        for (const QString& p : kPrograms) {
            expected << "./usr/bin/" + p << "./usr/share/man/man1/" + p + ".1.gz";
        }
        expected << "./usr/share/applications/dev.meshx.Console.desktop"
                 << "./usr/share/metainfo/dev.meshx.Console.metainfo.xml"
                 << "./usr/share/icons/hicolor/scalable/apps/dev.meshx.Console.svg"
                 << "./usr/share/meshx/templates/service.json"
                 << "./usr/share/meshx/templates/upstream.json"
                 << "./usr/share/meshx/templates/consul-connect-proxy.json"
                 << "./usr/share/meshx/templates/consul-connect-envoy.json"
                 << "./usr/share/meshx/templates/config.example.json"
                 << "./usr/share/doc/meshx/copyright"
                 << "./usr/share/doc/meshx/changelog.gz";
        for (const char* size : {"48x48", "64x64", "128x128", "256x256"}) {
            expected << QStringLiteral("./usr/share/icons/hicolor/%1/apps/dev.meshx.Console.png")
                            .arg(size);
        }
        for (const QString& path : expected) {
            const QRegularExpression line(
                QStringLiteral(" ") + QRegularExpression::escape(path) + QStringLiteral("$"),
                QRegularExpression::MultilineOption);
            QVERIFY2(line.match(r.out).hasMatch(), qPrintable("missing " + path));
        }
        // Owned by root, nothing from the build machine's paths.
        QVERIFY2(!r.out.contains(QStringLiteral(MESHX_BUILD_DIR)), qPrintable(r.out));
        QVERIFY2(r.out.contains("root/root"), qPrintable(r.out.left(400)));
        // Stripped: a stripped release is a fraction of the debug build's program.
        QFileInfo built(meshxBinary("meshx"));
        QFileInfo shipped(installed("/usr/bin/meshx"));
        QVERIFY(shipped.size() > 0);
        QVERIFY2(shipped.size() <= built.size(), "installed meshx is larger than the build's");
    }

    void installedProgramsRun() {
        for (const QString& program : kPrograms) {
            auto r = run(installed("/usr/bin/" + program), {"--version"}, 60000, env_);
            QVERIFY2(r.exitCode == 0, qPrintable(program + ": " + describe(r)));
            QVERIFY2(r.out.contains(kVersion), qPrintable(program + ": " + describe(r)));
        }
    }

    void installedConsoleScreenshot() {
        const QString png = work_.filePath("console.png");
        auto r = run(installed("/usr/bin/meshx-console"), {"--screenshot", png}, 180000, env_);
        QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
        QImage image(png);
        QVERIFY2(!image.isNull(), "no PNG written");
        QVERIFY(image.width() >= 400 && image.height() >= 300);
        QSet<QRgb> colours;
        for (int y = 0; y < image.height(); y += 7) {
            for (int x = 0; x < image.width(); x += 7) {
                colours.insert(image.pixel(x, y));
            }
        }
        QVERIFY2(colours.size() > 4, "screenshot is blank");
    }

    // Every option in each installed program's --help (and each meshx command's) is in its
    // installed man page; groff renders the pages without warnings.
    void manPagesMatchHelp() {
        for (const QString& program : kPrograms) {
            auto man =
                run("gzip", {"-dc", installed("/usr/share/man/man1/" + program + ".1.gz")}, 30000);
            QVERIFY2(man.exitCode == 0, qPrintable(describe(man)));
            QString page = man.out;
            QVERIFY2(page.startsWith(".TH "), qPrintable(page.left(200)));
            page.replace(QStringLiteral("\\-"), QStringLiteral("-"));
            page.replace(QStringLiteral("\\e"), QStringLiteral("\\"));

            const QString bin = installed("/usr/bin/" + program);
            auto help = run(bin, {"--help"}, 60000, env_);
            QVERIFY2(help.exitCode == 0, qPrintable(program + ": " + describe(help)));
            QStringList helps = {help.out};
            if (program == "meshx") {
                const QString commands = help.out.section(QStringLiteral("\nCommands:\n"), 1, 1)
                                             .section(QStringLiteral("\n\n"), 0, 0);
                static const QRegularExpression cmd(QStringLiteral("(?m)^  ([a-z][a-z0-9-]*)"));
                auto it = cmd.globalMatch(commands);
                int count = 0;
                while (it.hasNext()) {
                    const QString c = it.next().captured(1);
                    auto sub = run(bin, {c, "--help"}, 60000, env_);
                    QVERIFY2(sub.exitCode == 0, qPrintable(c + ": " + describe(sub)));
                    helps << sub.out;
                    QVERIFY2(page.contains(".SS meshx " + c), qPrintable("no section for " + c));
                    ++count;
                }
                QVERIFY2(count >= 3, qPrintable("commands not found in:\n" + help.out));
            }
            int options = 0;
            for (const QString& h : helps) {
                for (const QString& option : optionsIn(h)) {
                    const QRegularExpression inPage(QStringLiteral("(?<![\\w-])") +
                                                    QRegularExpression::escape(option) +
                                                    QStringLiteral("(?![\\w-])"));
                    QVERIFY2(inPage.match(page).hasMatch(),
                             qPrintable(program + " man page lacks " + option));
                    ++options;
                }
            }
            QVERIFY2(options >= 2, qPrintable(program + ": no options found in --help"));

            const QString groff = QStandardPaths::findExecutable("groff");
            if (!groff.isEmpty()) {
                QTemporaryFile plain;
                QVERIFY(plain.open());
                plain.write(man.out.toUtf8());
                plain.close();
                auto g = run(groff, {"-man", "-ww", "-z", "-Tutf8", plain.fileName()}, 30000);
                QVERIFY2(g.exitCode == 0 && g.err.trimmed().isEmpty(),
                         qPrintable(program + ": " + describe(g)));
            }
        }
    }

    void installedTemplatesRender() {
        const QString meshx = installed("/usr/bin/meshx");
        const QString dir = installed("/usr/share/meshx/templates/");
        const QString hash =
            QStringLiteral(R"({"id":"web-h","name":"web","address":"127.0.0.1","port":1024})");
        auto r =
            run(meshx, {"template", "render", "--template", dir + "service.json", "--hash", hash},
                60000, env_);
        QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
        const auto j = QJsonDocument::fromJson(r.out.toUtf8()).object();
        QCOMPARE(j["registration"]["ID"].toString(), QStringLiteral("web-h"));
        QCOMPARE(
            j["registration"]["Connect"]["SidecarService"]["Proxy"]["LocalServicePort"].toInt(),
            1024);
        QCOMPARE(j["ttl"]["id"].toString(), QStringLiteral("ttl:web-h"));
        QCOMPARE(j["proxy"].toArray().at(0).toString(), QStringLiteral("meshx-proxy"));
        QCOMPARE(j["proxy"].toArray().at(2).toString(), QStringLiteral("web-h"));
        for (const char* name : {"consul-connect-proxy.json", "consul-connect-envoy.json"}) {
            r = run(meshx,
                    {"template", "render", "--template", dir + QString::fromLatin1(name), "--hash",
                     hash},
                    60000, env_);
            QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
            const auto t = QJsonDocument::fromJson(r.out.toUtf8()).object();
            QCOMPARE(t["proxy"].toArray().at(0).toString(), QStringLiteral("consul"));
            QVERIFY(t["proxy"].toArray().contains(QStringLiteral("web-h")));
        }
        r = run(meshx,
                {"template", "render", "--template", dir + "upstream.json", "--hash",
                 R"({"name":"db","address":"127.0.0.1","port":65535})"},
                60000, env_);
        QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
        QCOMPARE(
            r.out.trimmed(),
            QStringLiteral(
                R"({"DestinationName":"db","LocalBindAddress":"127.0.0.1","LocalBindPort":65535})"));
    }

    // The example configuration uses every key, so an unknown or mistyped key would fail here.
    void exampleConfigLoads() {
        QProcessEnvironment env = env_;
        env.insert("MESHX_CONFIG", installed("/usr/share/meshx/templates/config.example.json"));
        auto r = run(installed("/usr/bin/meshx"), {"shell", "--json", "--embedded-agent"}, 120000,
                     env, "agent\nquit\n");
        QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
        QVERIFY2(r.out.contains(R"("ok":true)"), qPrintable(describe(r)));
        QVERIFY2(r.out.contains(R"("datacenter":"dc1")"), qPrintable(describe(r)));

        // A typo in a key is refused: the check above would notice a config that is ignored.
        QFile bad(work_.filePath("bad.json"));
        QVERIFY(bad.open(QIODevice::WriteOnly));
        bad.write(R"({"max_proxy_restart": 5})");
        bad.close();
        env.insert("MESHX_CONFIG", bad.fileName());
        r = run(installed("/usr/bin/meshx"), {"shell", "--embedded-agent"}, 60000, env, "quit\n");
        QVERIFY2(r.exitCode != 0, qPrintable(describe(r)));
        QVERIFY2(r.err.contains("max_proxy_restart"), qPrintable(describe(r)));
    }

    void desktopEntry() {
        const QString path = installed("/usr/share/applications/dev.meshx.Console.desktop");
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QString text = QString::fromUtf8(f.readAll());
        QVERIFY(text.contains(QRegularExpression("(?m)^Exec=meshx-console$")));
        QVERIFY(text.contains(QRegularExpression("(?m)^Icon=dev.meshx.Console$")));
        QVERIFY(text.contains(QRegularExpression("(?m)^Type=Application$")));
        QImage icon(installed("/usr/share/icons/hicolor/128x128/apps/dev.meshx.Console.png"));
        QCOMPARE(icon.size(), QSize(128, 128));
        const QString validate = QStandardPaths::findExecutable("desktop-file-validate");
        if (validate.isEmpty()) {
            QSKIP("desktop-file-validate not installed (desktop-file-utils)");
        }
        auto r = run(validate, {path}, 30000);
        QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
        QVERIFY2(!r.out.contains("error") && !r.out.contains("warning"), qPrintable(describe(r)));
    }

    void appstreamMetainfo() {
        const QString path = installed("/usr/share/metainfo/dev.meshx.Console.metainfo.xml");
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QString text = QString::fromUtf8(f.readAll());
        QVERIFY(text.contains("<launchable type=\"desktop-id\">dev.meshx.Console.desktop"));
        QVERIFY(text.contains("<release version=\"" + kVersion + "\""));
        const QString appstream = QStandardPaths::findExecutable("appstreamcli");
        if (appstream.isEmpty()) {
            QSKIP("appstreamcli not installed (appstream)");
        }
        auto r = run(appstream, {"validate", "--no-net", path}, 60000);
        QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
    }

    // lintian errors fail; warnings are reported.
    void lintian() {
        const QString lintian = QStandardPaths::findExecutable("lintian");
        if (lintian.isEmpty()) {
            QSKIP("lintian not installed");
        }
        auto r = run(lintian, {"--no-tag-display-limit", deb_}, 300000);
        QVERIFY2(r.finished, qPrintable(describe(r)));
        const QStringList lines = (r.out + r.err).split('\n', Qt::SkipEmptyParts);
        QStringList errors;
        for (const QString& line : lines) {
            if (line.startsWith("W: ")) {
                qWarning().noquote() << "lintian" << line;
            } else if (line.startsWith("E: ")) {
                errors << line;
            }
        }
        QVERIFY2(errors.isEmpty(), qPrintable(errors.join('\n')));
    }
};

QTEST_GUILESS_MAIN(TestPackaging)
#include "test_packaging.moc"
