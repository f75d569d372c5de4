#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <unordered_map>

#include "proxy/event_loop.h"
#include "proxy/session.h"

namespace meshx::proxy {

// Owns every live session of one loop, outliving the listeners that accepted them: a listener
// removed by a config change stops accepting while its connections run to their end.
//
// Asynchronous callbacks (authorization answers, timers) refer to a session by id and look it
// up here, so an answer for a session that already ended finds nothing instead of freed memory.
class SessionTracker {
  public:
    explicit SessionTracker(EventLoop& loop) : loop_(loop) {}

    // Loop thread. Takes ownership and assigns the session's id.
    Session* add(std::unique_ptr<Session> session);
    // Loop thread. nullptr once the session has finished.
    Session* find(uint64_t id) const;
    // Loop thread. Removes the session; it is destroyed after the current batch of events.
    void finish(uint64_t id);
    // Loop thread. Aborts every session (used after the shutdown grace).
    void abortAll();

    // Loop thread.
    size_t size() const { return sessions_.size(); }
    // Loop thread. Called whenever the last session finishes (shutdown waits on it).
    void setOnEmpty(std::function<void()> callback) { onEmpty_ = std::move(callback); }

  private:
    EventLoop& loop_;
    std::unordered_map<uint64_t, std::unique_ptr<Session>> sessions_;
    uint64_t nextId_ = 1;
    std::function<void()> onEmpty_;
};

}  // namespace meshx::proxy
