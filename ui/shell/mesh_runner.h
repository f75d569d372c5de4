#pragma once

#include <QObject>
#include <QPointer>
#include <QStringList>
#include <QThreadPool>

#include <functional>
#include <memory>
#include <utility>

namespace meshx::ui {

// Runs the engine's blocking calls (ServiceMesh is thread-safe and blocking) off the GUI thread
// and hands each result back on the GUI thread.
//
// Two lanes, one worker thread each:
//   command  start, stop, connect, ... one at a time, in order; busyChanged() drives the status
//            bar's progress indicator.
//   query    list, proxyInfo, ttlStatus: never queued behind a long command's worker (they may
//            still wait on the engine's own lock, but never hold up a later command).
//
// Thread: create, call and destroy on the GUI thread. `work` runs on a worker thread; `done` runs
// on the GUI thread, and only while `context` is alive.
class MeshRunner : public QObject {
    Q_OBJECT

  public:
    explicit MeshRunner(QObject* parent = nullptr);
    // Waits for the calls in flight (they are bounded by the engine's own timeouts).
    ~MeshRunner() override;

    // Queues `work` on the command lane; `label` ("Starting web") names it in the status bar.
    template <typename R>
    void command(const QString& label, std::function<R()> work, QObject* context,
                 std::function<void(R)> done) {
        commandQueued(label);
        submit<R>(commands_, std::move(work), context, std::move(done), true);
    }

    // Queues `work` on the query lane (no progress indicator).
    template <typename R>
    void query(std::function<R()> work, QObject* context, std::function<void(R)> done) {
        submit<R>(queries_, std::move(work), context, std::move(done), false);
    }

    // Commands queued or running. GUI thread.
    int pendingCommands() const { return static_cast<int>(labels_.size()); }
    // The label of the command running now, empty when idle. GUI thread.
    QString currentLabel() const { return labels_.isEmpty() ? QString() : labels_.front(); }
    // Blocks until both lanes are idle (shutdown, tests). GUI thread.
    void waitForIdle();

  signals:
    // A command was queued (busy) or the last one finished (idle).
    void busyChanged(bool busy, const QString& label);

  private:
    template <typename R>
    void submit(QThreadPool& pool, std::function<R()> work, QObject* context,
                std::function<void(R)> done, bool isCommand) {
        QPointer<QObject> target(context);
        pool.start([this, target, isCommand, work = std::move(work), done = std::move(done)] {
            auto result = std::make_shared<R>(work());
            // `this` outlives the worker: the destructor waits for both pools.
            QMetaObject::invokeMethod(
                this,
                [this, target, isCommand, done, result] {
                    if (isCommand) {
                        commandFinished();
                    }
                    if (target) {
                        done(std::move(*result));
                    }
                },
                Qt::QueuedConnection);
        });
    }

    void commandQueued(const QString& label);
    void commandFinished();

    QThreadPool commands_;
    QThreadPool queries_;
    QStringList labels_;
};

}  // namespace meshx::ui
