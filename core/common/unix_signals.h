#pragma once

#include <QObject>

#include <initializer_list>

class QSocketNotifier;

namespace meshx {

// Turns SIGTERM/SIGINT/SIGHUP into a Qt signal on the thread that created it, through a self-pipe
// (the only async-signal-safe thing a handler does is write one byte). One instance per process.
// Also usable without an event loop: pending() reports a caught signal.
class UnixSignals : public QObject {
    Q_OBJECT

  public:
    explicit UnixSignals(std::initializer_list<int> signalNumbers, QObject* parent = nullptr);
    ~UnixSignals() override;

    // The last signal caught, 0 when none. Any thread.
    static int pending();

  signals:
    void caught(int signal);

  private:
    void onReadable();

    QSocketNotifier* notifier_ = nullptr;
};

}  // namespace meshx
