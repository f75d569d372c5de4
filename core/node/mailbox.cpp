#include "node/mailbox.h"

namespace meshx::node {

Mailbox::Mailbox(std::size_t limit) : limit_(limit == 0 ? 1 : limit) {}

void Mailbox::push(NodeMessage message) {
    {
        std::lock_guard lock(mutex_);
        if (queue_.size() >= limit_) {
            queue_.pop_front();
            ++dropped_;
        }
        queue_.push_back(std::move(message));
    }
    ready_.notify_one();
}

std::optional<NodeMessage> Mailbox::pop(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    if (!ready_.wait_for(lock, timeout, [this] { return !queue_.empty(); })) {
        return std::nullopt;
    }
    NodeMessage m = std::move(queue_.front());
    queue_.pop_front();
    return m;
}

uint64_t Mailbox::dropped() const {
    std::lock_guard lock(mutex_);
    return dropped_;
}

}  // namespace meshx::node
