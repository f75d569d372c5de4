#include "console_command_line.h"

#include <QCoreApplication>
#include <QStringList>

#include "meshx/version.h"
#include "ui/demo/demo_script.h"
#include "ui/shell/main_window.h"

namespace meshx::console {

ConsoleCommandLine::ConsoleCommandLine()
    : help(parser.addHelpOption()),
      version(parser.addVersionOption()),
      screenshot(
          QStringLiteral("screenshot"),
          QStringLiteral("Render the window to a PNG at <path> once the agent answers, then exit."),
          QStringLiteral("path")),
      tab(QStringLiteral("tab"),
          QStringLiteral("Open on this view: %1.")
              .arg(ui::MainWindow::tabNames().join(QStringLiteral(", "))),
          QStringLiteral("name")),
      palette(QStringLiteral("palette"),
              QStringLiteral("Colours: system (default), dark or light."), QStringLiteral("mode"),
              QStringLiteral("system")),
      demo(QStringLiteral("demo"),
           QStringLiteral("Open the guided demo <id>: e1 (Erlang nodes), e2 (node HA), e3 (RPC), "
                          "e4 (RPC load balancing and HA). With --screenshot, the window is saved "
                          "after the demo's last step and the exit code is 0 only if every step "
                          "passed."),
           QStringLiteral("id")),
      autoRun(QStringLiteral("auto"), QStringLiteral("Run the demo's steps unattended (no Next).")),
      otlpListen(QStringLiteral("otlp-listen"),
                 QStringLiteral("Receive OpenTelemetry spans (OTLP/HTTP JSON, POST /v1/traces) on "
                                "<addr>, e.g. 127.0.0.1:4318, for this run (Settings has the "
                                "lasting toggle). They appear in Telemetry tagged with their "
                                "service.name."),
                 QStringLiteral("addr")) {
    parser.setApplicationDescription(
        QStringLiteral("Meshx console: launch, wire and watch services on a Consul mesh.\n"
                       "The agent is CONSUL_HTTP_ADDR when set, else the address in Settings, "
                       "else an embedded dev agent started in-process."));
    parser.addOption(screenshot);
    parser.addOption(tab);
    parser.addOption(palette);
    parser.addOption(demo);
    parser.addOption(autoRun);
    parser.addOption(otlpListen);
}

void setApplicationIdentity() {
    QCoreApplication::setOrganizationName(QStringLiteral("meshx"));
    QCoreApplication::setApplicationName(QStringLiteral("meshx-console"));
    QCoreApplication::setApplicationVersion(QString::fromLatin1(meshx::kVersion));
}

void answerHelpOrVersionWithoutDisplay(int& argc, char** argv) {
    // A first look needs no application object. Its errors are ignored: Qt's own options
    // (-platform, -style...) are unknown to it and are only removed by QApplication.
    QStringList arguments;
    for (int i = 0; i < argc; ++i) {
        arguments << QString::fromLocal8Bit(argv[i]);
    }
    ConsoleCommandLine look;
    (void)look.parser.parse(arguments);
    if (!look.parser.isSet(look.help) && !look.parser.isSet(look.version)) {
        return;
    }
    // showHelp() names the program from the application's arguments.
    QCoreApplication app(argc, argv);
    ConsoleCommandLine commandLine;
    (void)commandLine.parser.parse(QCoreApplication::arguments());
    if (commandLine.parser.isSet(commandLine.help)) {
        commandLine.parser.showHelp(0);
    }
    commandLine.parser.showVersion();
}

}  // namespace meshx::console
