// meshx-console: the Qt Widgets console over the Meshx engine.

#include <QApplication>
#include <QSettings>
#include <QTimer>

#include <cstdio>

#include "console_command_line.h"
#include "engine/agent_monitor.h"
#include "telemetry/otlp/otlp_exporter.h"
#include "ui/demo/demo_controller.h"
#include "ui/demo/demo_panel.h"
#include "ui/demo/demo_script.h"
#include "ui/settings/settings_page.h"
#include "ui/shell/app_palette.h"
#include "ui/shell/console_context.h"
#include "ui/shell/console_session.h"
#include "ui/shell/console_settings.h"
#include "ui/shell/main_window.h"
#include "ui/shell/otlp_receiver_control.h"

int main(int argc, char** argv) {
    meshx::console::setApplicationIdentity();
    // Before QApplication, which aborts when it cannot open a display.
    meshx::console::answerHelpOrVersionWithoutDisplay(argc, argv);

    QApplication app(argc, argv);
    meshx::console::ConsoleCommandLine commandLine;
    QCommandLineParser& parser = commandLine.parser;
    const QCommandLineOption& screenshot = commandLine.screenshot;
    const QCommandLineOption& tab = commandLine.tab;
    const QCommandLineOption& palette = commandLine.palette;
    const QCommandLineOption& demo = commandLine.demo;
    const QCommandLineOption& autoRun = commandLine.autoRun;
    parser.process(app);
    if (parser.isSet(demo) && !meshx::ui::demoIds().contains(parser.value(demo).toLower())) {
        std::fprintf(stderr, "meshx-console: --demo must be one of %s\n",
                     qPrintable(meshx::ui::demoIds().join(QStringLiteral(", "))));
        return 2;
    }

    if (!meshx::ui::applyPalette(parser.value(palette))) {
        std::fprintf(stderr, "meshx-console: --palette must be system, dark or light\n");
        return 2;
    }
    // "system": keep following the desktop's dark/light preference while running.
    meshx::ui::followSystemPalette(parser.value(palette));

    meshx::ui::MainWindow window;
    if (parser.isSet(tab) && !window.showTab(parser.value(tab))) {
        std::fprintf(stderr, "meshx-console: no view named %s\n", qPrintable(parser.value(tab)));
        return 2;
    }
    QSettings settings;
    const meshx::ui::ConsoleSettings consoleSettings = meshx::ui::ConsoleSettings::load(settings);

    // OpenTelemetry: export this process's calls when OTEL_* ask for it; receive applications'
    // spans when --otlp-listen or the Settings toggle asks for it (docs/opentelemetry.md).
    meshx::telemetry::otlp::OtlpExporter::startFromEnvironment("meshx-console");
    meshx::ui::OtlpReceiverControl otlpReceiver;
    const bool otlpFromFlag = parser.isSet(commandLine.otlpListen);
    if (otlpFromFlag || consoleSettings.otlpReceive) {
        const QString listen =
            otlpFromFlag ? parser.value(commandLine.otlpListen) : consoleSettings.otlpListen;
        if (!otlpReceiver.apply(true, listen)) {
            std::fprintf(stderr, "meshx-console: %s\n", qPrintable(otlpReceiver.status()));
            if (otlpFromFlag)
                return 2;
        } else {
            std::fprintf(stderr, "meshx-console: %s\n", qPrintable(otlpReceiver.status()));
        }
    }

    auto session = meshx::ui::ConsoleSession::open(consoleSettings);
    if (session) {
        window.setSession(std::move(*session));
    } else {
        // The window still opens: Settings is where the user fixes what went wrong.
        window.setAgentStatus(
            QStringLiteral("No agent: %1").arg(QString::fromStdString(session.error().message)));
    }
    // The Settings page (a new one per session) shows the receiver's state and switches it.
    auto wireSettings = [&window, &otlpReceiver] {
        auto* page = window.findChild<meshx::ui::SettingsPage*>();
        if (page == nullptr)
            return;
        page->setOtlpStatus(otlpReceiver.status());
        QObject::connect(&otlpReceiver, &meshx::ui::OtlpReceiverControl::statusChanged, page,
                         &meshx::ui::SettingsPage::setOtlpStatus);
        QObject::connect(page, &meshx::ui::SettingsPage::otlpReceiverChanged, &otlpReceiver,
                         [&otlpReceiver](bool enabled, const QString& listen) {
                             otlpReceiver.apply(enabled, listen);
                         });
    };
    wireSettings();
    QObject::connect(&window, &meshx::ui::MainWindow::sessionChanged, &otlpReceiver,
                     [wireSettings] { wireSettings(); });
    window.show();

    if (parser.isSet(demo)) {
        if (!window.context()) {
            std::fprintf(stderr, "meshx-console: a demo needs an agent: %s\n",
                         session ? "" : session.error().message.c_str());
            return 1;
        }
        window.resize(1680, 1000);
        if (!parser.isSet(tab)) {
            window.showTab(QStringLiteral("services"));
        }
        auto* controller = meshx::ui::startDemo(window, parser.value(demo), parser.isSet(autoRun));
        if (!controller) {
            std::fprintf(stderr, "meshx-console: cannot start demo %s\n",
                         qPrintable(parser.value(demo)));
            return 1;
        }
        QObject::connect(controller, &meshx::ui::DemoController::logLine, [](const QString& line) {
            std::fprintf(stdout, "%s\n", qPrintable(line));
            std::fflush(stdout);
        });
        if (parser.isSet(screenshot)) {
            const QString path = parser.value(screenshot);
            QObject::connect(
                controller, &meshx::ui::DemoController::demoFinished, &window,
                [&window, path](bool ok) {
                    // Let the last step's state reach the screen (one layout and paint pass).
                    QTimer::singleShot(300, &window, [&window, path, ok] {
                        const bool saved = window.grab().save(path, "PNG");
                        if (!saved) {
                            std::fprintf(stderr, "meshx-console: cannot write screenshot %s\n",
                                         qPrintable(path));
                        }
                        std::fprintf(stderr, "meshx-console: demo %s\n", ok ? "passed" : "FAILED");
                        QApplication::exit(ok && saved ? 0 : 1);
                    });
                });
            // A demo that hangs past every step deadline still ends the run.
            QTimer::singleShot(20 * 60 * 1000, &window, [] {
                std::fprintf(stderr, "meshx-console: demo did not finish within 20 minutes\n");
                QApplication::exit(1);
            });
        }
        return QApplication::exec();
    }

    if (parser.isSet(screenshot)) {
        const QString path = parser.value(screenshot);
        auto grab = [&window, path] {
            const bool saved = window.grab().save(path, "PNG");
            if (!saved) {
                std::fprintf(stderr, "meshx-console: cannot write screenshot %s\n",
                             qPrintable(path));
            }
            QApplication::exit(saved ? 0 : 1);
        };
        // Once the agent has answered (or after 10 s), let a layout and paint pass finish.
        auto* context = window.context();
        if (context && !context->monitor().reachable()) {
            QObject::connect(&context->monitor(), &meshx::engine::AgentMonitor::reachabilityChanged,
                             &window, [grab] { QTimer::singleShot(500, grab); });
            QTimer::singleShot(10000, &window, grab);
        } else {
            QTimer::singleShot(500, &window, grab);
        }
    }
    return QApplication::exec();
}
