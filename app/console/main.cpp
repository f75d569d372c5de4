// meshx-console: the Qt Widgets console over the Meshx engine.

#include <QApplication>
#include <QCommandLineParser>
#include <QTimer>

#include <cstdio>

#include "meshx/version.h"
#include "views/main_window.h"

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("meshx"));
    QApplication::setApplicationName(QStringLiteral("meshx-console"));
    QApplication::setApplicationVersion(QString::fromLatin1(meshx::kVersion));

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Meshx console: launch, wire and watch services on a Consul mesh."));
    parser.addHelpOption();
    parser.addVersionOption();
    QCommandLineOption screenshot(
        QStringLiteral("screenshot"),
        QStringLiteral("Render the window to a PNG at <path> after start-up, then exit."),
        QStringLiteral("path"));
    parser.addOption(screenshot);
    parser.process(app);

    meshx::ui::MainWindow window;
    window.show();

    if (parser.isSet(screenshot)) {
        const QString path = parser.value(screenshot);
        // Let the first layout and paint pass finish before grabbing.
        QTimer::singleShot(300, &window, [&window, path] {
            const bool saved = window.grab().save(path, "PNG");
            if (!saved) {
                std::fprintf(stderr, "meshx-console: cannot write screenshot %s\n",
                             qPrintable(path));
            }
            QApplication::exit(saved ? 0 : 1);
        });
    }
    return QApplication::exec();
}
