#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>

#include "node/node_types.h"

namespace meshx::node {

// Bounded queue of messages sent to our node. Receive threads push (never block: the oldest
// message is dropped when full, so a chatty peer costs memory once); callers of
// Node::receive pop. Any thread.
class Mailbox {
  public:
    explicit Mailbox(std::size_t limit);

    void push(NodeMessage message);
    // Waits up to `timeout` for a message.
    std::optional<NodeMessage> pop(std::chrono::milliseconds timeout);
    uint64_t dropped() const;

  private:
    const std::size_t limit_;
    mutable std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<NodeMessage> queue_;
    uint64_t dropped_ = 0;
};

}  // namespace meshx::node
