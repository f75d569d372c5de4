#pragma once

#include <QCommandLineOption>
#include <QCommandLineParser>

namespace meshx::console {

// The console's command line, defined once and parsed twice: first before any application
// object, to answer --help and --version without a display (over ssh, in scripts, in packaging
// checks), then with the QApplication, which removes Qt's own options (-platform...) first.
//
// Thread: the main thread, before and during start-up.
struct ConsoleCommandLine {
    ConsoleCommandLine();

    QCommandLineParser parser;
    QCommandLineOption help;
    QCommandLineOption version;
    QCommandLineOption screenshot;
    QCommandLineOption tab;
    QCommandLineOption palette;
    QCommandLineOption demo;
    QCommandLineOption autoRun;
    QCommandLineOption otlpListen;
};

// Sets the organization, application name and version QSettings and --version use. Callable
// before any application object exists.
void setApplicationIdentity();

// Answers --help (-h, -?) and --version (-v) with a QCoreApplication, so no display is needed:
// prints to stdout and exits the process with 0. Returns when neither was asked for; every other
// option, and any error, is left to the parse with the QApplication.
void answerHelpOrVersionWithoutDisplay(int& argc, char** argv);

}  // namespace meshx::console
