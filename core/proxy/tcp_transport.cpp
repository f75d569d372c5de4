#include "proxy/tcp_transport.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace meshx::proxy {

IoResult TcpTransport::read(char* dst, size_t len) {
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
