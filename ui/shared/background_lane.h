#pragma once

#include <QMetaObject>
#include <QObject>
#include <QPointer>
#include <QThreadPool>

#include <functional>
#include <memory>
#include <utility>

namespace meshx::ui {

// Runs blocking work (RPC calls, node calls, process waits) on worker threads of its own and
// hands each result back on the GUI thread, only while the receiver lives. The live pages use it
// so that no RPC or node call ever runs on the GUI thread.
//
// Thread: create, call and destroy on the GUI thread. Destruction waits for work in flight
// (bounded by the calls' own timeouts).
class BackgroundLane : public QObject {
    Q_OBJECT

  public:
    explicit BackgroundLane(int maxThreads = 4, QObject* parent = nullptr);
    ~BackgroundLane() override;

    template <typename R>
    void run(QObject* receiver, std::function<R()> work, std::function<void(R)> done) {
        QPointer<QObject> target(receiver);
        pool_.start([this, target, work = std::move(work), done = std::move(done)] {
            auto result = std::make_shared<R>(work());
            // `this` outlives the worker: the destructor waits for the pool.
            QMetaObject::invokeMethod(
                this,
                [target, done, result] {
                    if (target) {
                        done(std::move(*result));
                    }
                },
                Qt::QueuedConnection);
        });
    }

    void setMaxThreads(int n) { pool_.setMaxThreadCount(n); }
    int maxThreads() const { return pool_.maxThreadCount(); }
    // Blocks until every queued and running job ended (shutdown, tests).
    void waitForIdle() { pool_.waitForDone(); }

  private:
    QThreadPool pool_;
};

}  // namespace meshx::ui
