#include "proxy/acceptor.h"

#include <sys/epoll.h>

#include <cerrno>

namespace meshx::proxy {

Acceptor::Acceptor(EventLoop& loop, Logger& log, std::string name, Handler onAccept)
    : loop_(loop), log_(log), name_(std::move(name)), onAccept_(std::move(onAccept)) {}

Acceptor::~Acceptor() {
    close();
}

Status Acceptor::listen(const SocketAddress& address, bool reusePort) {
    auto s = Socket::listen(address, reusePort);
    if (!s) {
        return s.error();
    }
    socket_ = std::move(*s);
    address_ = socket_.localAddress();
    loop_.watch(socket_.fd(), EPOLLIN, this);
    return {};
}

void Acceptor::close() {
    if (resumeTimer_ != 0) {
        loop_.cancelTimer(resumeTimer_);
        resumeTimer_ = 0;
    }
    if (socket_.valid()) {
        loop_.unwatch(socket_.fd());
        socket_.reset();
    }
}

void Acceptor::handleEvents(uint32_t) {
    // Bounded batch: with level triggering, whatever is left wakes us again next iteration.
    for (int i = 0; i < 64 && socket_.valid(); ++i) {
        int err = 0;
        SocketAddress peer;
        Socket conn = socket_.accept(&err, &peer);
        if (conn.valid()) {
            onAccept_(std::move(conn), peer);
            continue;
        }
        if (err == EAGAIN || err == EWOULDBLOCK) {
            return;
        }
        if (err == EINTR || err == ECONNABORTED || err == EPROTO) {
            continue;
        }
        uint64_t suppressed = 0;
        if (acceptErrors_.allow(loop_.now(), &suppressed)) {
            std::string s = std::to_string(suppressed);
            log_.error("proxy", "failed to accept connection",
                       {{"listener", name_},
                        {"error", Socket::errnoText(err)},
                        {"suppressed_since_last", s}});
        }
        if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM) {
            pause();
        }
        return;
    }
}

void Acceptor::pause() {
    // Stop watching so level triggering does not spin; try again shortly.
    loop_.unwatch(socket_.fd());
    resumeTimer_ = loop_.runAfter(std::chrono::milliseconds(100), [this] {
        resumeTimer_ = 0;
        if (socket_.valid()) {
            loop_.watch(socket_.fd(), EPOLLIN, this);
        }
    });
}

}  // namespace meshx::proxy
