#include "proxy/tcp_transport.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "proxy/ring_socket.h"
#include "proxy/uring_loop.h"

namespace meshx::proxy {

TcpTransport::~TcpTransport() {
    if (ring_ != nullptr) {
        ring_->release(socket_.release());  // closed once its operations completed
    }
}

void TcpTransport::attachRing(UringLoop& ring, IoHandler* handler) {
    ring_ = ring.adopt(socket_.fd(), handler);
}

IoResult TcpTransport::read(char* dst, size_t len) {
    if (ring_ != nullptr) {
        int err = 0;
        ssize_t n = ring_->read(dst, len, &err);
        if (n > 0) {
            return {IoResult::Status::Ok, static_cast<size_t>(n), ring_->drained()};
        }
        if (n == 0) {
            return {IoResult::Status::Eof, 0, true};
        }
        if (err == EAGAIN) {
            return {IoResult::Status::WantRead, 0, true};
        }
        lastErrno_ = err;
        return {IoResult::Status::Error, 0, true};
    }
    for (;;) {
        ssize_t n = ::recv(socket_.fd(), dst, len, 0);
        if (n > 0) {
            auto got = static_cast<size_t>(n);
            return {IoResult::Status::Ok, got, got < len};
        }
        if (n == 0) {
            return {IoResult::Status::Eof, 0, true};
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return {IoResult::Status::WantRead, 0, true};
        }
        lastErrno_ = errno;
        return {IoResult::Status::Error, 0, true};
    }
}

IoResult TcpTransport::write(const char* src, size_t len) {
    if (ring_ != nullptr) {
        int err = 0;
        ssize_t n = ring_->write(src, len, &err);
        if (n >= 0) {
            auto put = static_cast<size_t>(n);
            return {IoResult::Status::Ok, put, put < len};
        }
        if (err == EAGAIN) {
            return {IoResult::Status::WantWrite, 0, true};
        }
        lastErrno_ = err;
        return {IoResult::Status::Error, 0, true};
    }
    for (;;) {
        // MSG_NOSIGNAL: a reset peer is an error to report, not a signal.
        ssize_t n = ::send(socket_.fd(), src, len, MSG_NOSIGNAL);
        if (n >= 0) {
            auto put = static_cast<size_t>(n);
            return {IoResult::Status::Ok, put, put < len};
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return {IoResult::Status::WantWrite, 0, true};
        }
        lastErrno_ = errno;
        return {IoResult::Status::Error, 0, true};
    }
}

IoResult TcpTransport::shutdownWrite() {
    if (ring_ != nullptr && ring_->shutdownMustWait()) {
        // The FIN goes after the bytes still on their way: wait for them (EPOLLOUT).
        return {IoResult::Status::WantWrite, 0, true};
    }
    if (::shutdown(socket_.fd(), SHUT_WR) != 0 && errno != ENOTCONN) {
        lastErrno_ = errno;
        return {IoResult::Status::Error, 0, true};
    }
    return {};
}

std::string TcpTransport::errorText() const {
    return lastErrno_ == 0 ? std::string("connection closed") : Socket::errnoText(lastErrno_);
}

}  // namespace meshx::proxy
