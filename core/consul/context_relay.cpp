#include "consul/context_relay.h"

namespace meshx::consul {

ContextRelay::ContextRelay(QObject* context, OnDestroy onDestroy)
    : queue_(std::make_shared<Queue>()), direct_(context == nullptr), onDestroy_(onDestroy) {
    // The relay only emits; it takes no events, so it needs no thread. Without one it may be
    // deleted from whichever thread finishes with it (a worker, a watcher).
    moveToThread(nullptr);
    if (context) {
        // One queued call per post; each pops one item, so order is preserved. The lambda
        // holds the queue, not the relay, so a relay deleted with calls in flight is safe.
        connect(
            this, &ContextRelay::posted, context,
            [queue = queue_] {
                std::function<void()> fn;
                {
                    std::lock_guard lock(queue->mutex);
                    if (queue->closed || queue->items.empty()) {
                        return;
                    }
                    fn = std::move(queue->items.front());
                    queue->items.pop_front();
                }
                fn();
            },
            Qt::QueuedConnection);
    }
}

ContextRelay::~ContextRelay() {
    if (onDestroy_ == OnDestroy::Deliver) {
        return;  // queued calls keep the queue alive and drain it
    }
    std::lock_guard lock(queue_->mutex);
    queue_->closed = true;
    queue_->items.clear();
}

void ContextRelay::post(std::function<void()> fn) {
    if (direct_) {
        fn();
        return;
    }
    {
        std::lock_guard lock(queue_->mutex);
        if (queue_->closed) {
            return;
        }
        queue_->items.push_back(std::move(fn));
    }
    emit posted();
}

}  // namespace meshx::consul
