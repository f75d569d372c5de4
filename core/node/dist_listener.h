#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <thread>

#include "node/ei_node.h"

namespace meshx::node {

// Accepts incoming distribution connections on a listening socket: one thread that waits for a
// connection, runs the handshake (erl_interface checks the cookie; a peer with another cookie
// is refused there and never reaches `onPeer`) and hands each accepted peer over.
//
// One handshake at a time, each bounded by `handshakeTimeout`: a peer that stalls delays the
// next ones by at most that long. `onPeer` runs on the listener thread and must not block long.
// start()/stop() from the thread that owns the listener; stop() joins and closes the socket.
class DistListener {
  public:
    using PeerHandler = std::function<void(AcceptedPeer)>;

    DistListener(EiNode& local, int listenFd, std::chrono::milliseconds handshakeTimeout,
                 PeerHandler onPeer);
    ~DistListener();
    DistListener(const DistListener&) = delete;
    DistListener& operator=(const DistListener&) = delete;

    void start();
    void stop();

    // Handshakes that failed (wrong cookie, timeout, not Erlang at all). Any thread.
    uint64_t refused() const { return refused_.load(); }

  private:
    void run();

    EiNode& local_;
    const int listenFd_;
    const std::chrono::milliseconds handshakeTimeout_;
    PeerHandler onPeer_;
    int wakeRead_ = -1;  // a pipe: writing to it ends run()
    int wakeWrite_ = -1;
    std::thread thread_;
    std::atomic<uint64_t> refused_{0};
};

}  // namespace meshx::node
