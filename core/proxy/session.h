#pragma once

#include <cstdint>

namespace meshx::proxy {

// One proxied connection (its client socket, the socket it opened, and what moves between).
// Owned by the SessionTracker; lives and dies on the loop thread.
class Session {
  public:
    virtual ~Session() = default;

    // Loop thread. Closes both sockets now, without draining (shutdown after its grace).
    virtual void abort() = 0;

    uint64_t id() const { return id_; }
    void setId(uint64_t id) { id_ = id; }

  private:
    uint64_t id_ = 0;
};

}  // namespace meshx::proxy
