#pragma once

#include <functional>
#include <string>

#include "common/result.h"
#include "proxy/event_loop.h"
#include "proxy/log_limiter.h"
#include "proxy/logger.h"
#include "proxy/socket.h"

namespace meshx::proxy {

// A listening socket on the loop: accepts connections and hands each to a callback.
//
// Registered level-triggered and accepting a bounded batch per wake-up, so one busy listener
// cannot starve the connections already open. When the process runs out of descriptors
// (EMFILE) the listener pauses briefly instead of spinning on a connection it cannot take.
class Acceptor : public IoHandler {
  public:
    using Handler = std::function<void(Socket, const SocketAddress& peer)>;

    // Loop thread. `name` appears in logs (`public listener`, the upstream string).
    Acceptor(EventLoop& loop, Logger& log, std::string name, Handler onAccept);
    ~Acceptor() override;
    Acceptor(const Acceptor&) = delete;
    Acceptor& operator=(const Acceptor&) = delete;

    // Loop thread. Binds and starts accepting. Errors: IoError from Socket::listen.
    Status listen(const SocketAddress& address, bool reusePort);
    // Loop thread. Stops accepting and closes the socket; idempotent.
    void close();

    // Loop thread. The bound address (with the real port when 0 was asked for).
    const SocketAddress& address() const { return address_; }
    bool listening() const { return socket_.valid(); }

    // IoHandler
    void handleEvents(uint32_t events) override;

  private:
    void pause();

    EventLoop& loop_;
    Logger& log_;
    std::string name_;
    Handler onAccept_;
    Socket socket_;
    SocketAddress address_;
    EventLoop::TimerId resumeTimer_ = 0;
    LogLimiter acceptErrors_;
};

}  // namespace meshx::proxy
