#include <QtTest>

#include <QImage>

#include "process_runner.h"

// The real console binary under Xvfb (a real X server, as a person would see it) writes its
// window to a PNG and exits 0.
class TestConsoleScreenshot : public QObject {
    Q_OBJECT

  private slots:
    void screenshotUnderXvfb() {
        const QString xvfbRun = QStandardPaths::findExecutable(QStringLiteral("xvfb-run"));
        QVERIFY2(!xvfbRun.isEmpty(), "xvfb-run missing: run packaging/install-deps.sh");
        QTemporaryDir dir;
        const QString png = dir.filePath(QStringLiteral("console.png"));
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        QProcess p;
        env.remove(QStringLiteral("QT_QPA_PLATFORM"));  // xcb on the Xvfb display
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), dir.path());
        p.setProcessEnvironment(env);
        p.start(xvfbRun, {QStringLiteral("-a"), QStringLiteral("-s"),
                          QStringLiteral("-screen 0 1280x800x24"), meshxBinary("meshx-console"),
                          QStringLiteral("--screenshot"), png});
        QVERIFY(p.waitForStarted());
        QVERIFY2(p.waitForFinished(60000), "console did not exit after --screenshot");
        QCOMPARE(p.exitCode(), 0);
        QImage image(png);
        QVERIFY2(!image.isNull(), "no PNG written");
        QVERIFY(image.width() >= 800);
        QVERIFY(image.height() >= 500);
        // Not a blank frame: a rendered window has many distinct colours.
        QSet<QRgb> colours;
        for (int y = 0; y < image.height(); y += 7) {
            for (int x = 0; x < image.width(); x += 7) {
                colours.insert(image.pixel(x, y));
            }
        }
        QVERIFY2(colours.size() > 4, "screenshot is blank");
        const QString keep = QString::fromLocal8Bit(qgetenv("MESHX_SCREENSHOT_DIR"));
        if (!keep.isEmpty()) {
            QFile::remove(keep + QStringLiteral("/console-shell.png"));
            QFile::copy(png, keep + QStringLiteral("/console-shell.png"));
        }
    }
};

QTEST_GUILESS_MAIN(TestConsoleScreenshot)
#include "test_console_screenshot.moc"
