#include "node/dist_listener.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>

namespace meshx::node {

DistListener::DistListener(EiNode& local, int listenFd, std::chrono::milliseconds handshakeTimeout,
                           PeerHandler onPeer)
    : local_(local),
      listenFd_(listenFd),
      handshakeTimeout_(handshakeTimeout),
      onPeer_(std::move(onPeer)) {
    int fds[2] = {-1, -1};
    if (::pipe2(fds, O_CLOEXEC) == 0) {
        wakeRead_ = fds[0];
        wakeWrite_ = fds[1];
    }
}

DistListener::~DistListener() {
    stop();
    if (wakeRead_ >= 0) {
        ::close(wakeRead_);
    }
    if (wakeWrite_ >= 0) {
        ::close(wakeWrite_);
    }
}

void DistListener::start() {
    thread_ = std::thread([this] { run(); });
}

void DistListener::stop() {
    if (!thread_.joinable()) {
        return;
    }
    char byte = 0;
    while (::write(wakeWrite_, &byte, 1) < 0 && errno == EINTR) {
    }
    thread_.join();
    ::close(listenFd_);
}

void DistListener::run() {
    while (true) {
        pollfd fds[2] = {{listenFd_, POLLIN, 0}, {wakeRead_, POLLIN, 0}};
        int ready = ::poll(fds, 2, -1);
        if (ready < 0 && errno == EINTR) {
            continue;
        }
        if (ready < 0 || (fds[1].revents & POLLIN) != 0) {
            return;
        }
        if ((fds[0].revents & POLLIN) == 0) {
            continue;
        }
        auto peer = local_.accept(listenFd_, handshakeTimeout_);
        if (peer) {
            onPeer_(std::move(*peer));
        } else {
            refused_.fetch_add(1);
        }
        // A refused handshake (wrong cookie, port scanner) is the peer's problem; keep serving.
    }
}

}  // namespace meshx::node
