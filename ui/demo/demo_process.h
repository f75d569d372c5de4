#pragma once

#include <QObject>
#include <QProcess>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

#include <functional>

namespace meshx::ui {

// One provider process a demo launches (`meshx serve`, `meshx rpc-serve`, `erl` under `meshx
// serve`): its output lines are kept and echoed to the demo log, and the demo waits on them
// (ready lines) instead of sleeping. The child gets PR_SET_PDEATHSIG(SIGKILL), so it never
// outlives the console, even a console that crashes.
//
// `shownCommand` is what the log prints: callers leave secrets out of it.
// Thread: GUI thread.
class DemoProcess : public QObject {
    Q_OBJECT

  public:
    DemoProcess(const QString& label, QObject* parent = nullptr);
    ~DemoProcess() override;

    void start(const QString& program, const QStringList& args, const QProcessEnvironment& env,
               const QString& shownCommand);
    bool running() const { return process_.state() != QProcess::NotRunning; }
    bool exited() const { return exited_; }
    qint64 pid() const { return process_.processId(); }
    const QString& label() const { return label_; }
    const QStringList& lines() const { return lines_; }
    // The first line (stdout or stderr) for which `match` is true, or empty.
    QString findLine(const std::function<bool(const QString&)>& match) const;

    // SIGTERM (the program's graceful stop: deregisters its service).
    void terminate();
    // SIGKILL (no goodbye: its registration stays until someone removes it).
    void kill();
    // Blocks up to `ms` for the exit (cleanup only). True when it is not running.
    bool waitForExit(int ms);

  signals:
    void line(const QString& label, const QString& text);
    void finished(const QString& label, int exitCode, bool crashed);

  private:
    void readChannel(QProcess::ProcessChannel channel);

    QString label_;
    QProcess process_;
    QStringList lines_;
    QByteArray pending_[2];
    bool exited_ = false;
};

}  // namespace meshx::ui
