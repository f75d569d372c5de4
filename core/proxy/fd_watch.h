#pragma once

#include <cstdint>

#include "proxy/event_loop.h"

namespace meshx::proxy {

// Routes epoll events of one of an owner's fds to `owner->onFdEvents(side, events)`, so a
// session with two sockets needs no virtual handler per socket.
//
// A watch whose socket is replaced (a retried dial) is detached rather than reused: events of
// the old socket may still be queued in the current epoll batch and must not be read as news
// about the new one.
template <typename Owner>
class FdWatch : public IoHandler {
  public:
    FdWatch(Owner* owner, int side) : owner_(owner), side_(side) {}
    // Loop thread.
    void handleEvents(uint32_t events) override {
        if (owner_ != nullptr) {
            owner_->onFdEvents(side_, events);
        }
    }
    // Loop thread. Later events are dropped.
    void detach() { owner_ = nullptr; }

  private:
    Owner* owner_;
    int side_;
};

}  // namespace meshx::proxy
