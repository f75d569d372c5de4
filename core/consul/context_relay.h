#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <mutex>

#include <QObject>

namespace meshx::consul {

// Runs functions on the thread of a context QObject, posted from any thread, and drops them if
// the context is destroyed first.
//
// Why not QMetaObject::invokeMethod(context, ...) from the worker: the worker cannot know that
// `context` is still alive at that moment. A signal connection made while the context is
// certainly alive (here, in the constructor) is severed by Qt, under its own locks, when either
// end dies, and queued calls to a dead receiver are discarded.
//
// What happens to functions still queued when the relay is destroyed: a one-shot relay (an
// async request) is deleted right after its post and must still deliver; a long-lived one (a
// watcher) promises "after destroying the relay, no more callbacks".
class ContextRelay : public QObject {
    Q_OBJECT

  public:
    enum class OnDestroy { Deliver, Drop };

    // Any thread, while `context` is alive. A null context runs posted functions at once, on the
    // posting thread.
    explicit ContextRelay(QObject* context, OnDestroy onDestroy = OnDestroy::Drop);
    ~ContextRelay() override;

    // Any thread.
    void post(std::function<void()> fn);

  signals:
    void posted();

  private:
    struct Queue {
        std::mutex mutex;
        std::deque<std::function<void()>> items;
        bool closed = false;
    };
    std::shared_ptr<Queue> queue_;
    bool direct_ = false;
    OnDestroy onDestroy_;
};

}  // namespace meshx::consul
