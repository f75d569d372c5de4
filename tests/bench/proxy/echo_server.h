#pragma once

#include <atomic>
#include <cstdint>
#include <thread>

namespace bench {

// An edge-triggered epoll echo server on 127.0.0.1 (one thread): the far end of every variant,
// cheap enough that the proxies, not the echo, set the pace.
class EchoServer {
  public:
    EchoServer();
    ~EchoServer();
    uint16_t port() const { return port_; }

  private:
    void run();
    int listenFd_ = -1;
    int epollFd_ = -1;
    int wakeFd_ = -1;
    uint16_t port_ = 0;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

}  // namespace bench
