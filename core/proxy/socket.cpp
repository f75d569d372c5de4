#include "proxy/socket.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>

namespace meshx::proxy {

namespace {

void setNoDelay(int fd) {
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

}  // namespace

Socket& Socket::operator=(Socket&& other) noexcept {
    if (this != &other) {
        reset(other.release());
    }
    return *this;
}

void Socket::reset(int fd) {
    if (fd_ >= 0) {
        ::close(fd_);
    }
    fd_ = fd;
}

void Socket::resetOnClose(int fd) {
    struct linger lg {};
    lg.l_onoff = 1;
    lg.l_linger = 0;
    (void)::setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
}

std::string Socket::errnoText(int err) {
    std::string text = std::strerror(err);
    if (!text.empty()) {
        text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
    }
    return text;
}

Result<Socket> Socket::listen(const SocketAddress& address, bool reusePort, int backlog) {
    auto fail = [&](const char* op, int err) {
        return makeError(Code::IoError,
                         "listen tcp " + address.toString() + ": " + op + ": " + errnoText(err));
    };
    Socket s(::socket(address.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!s.valid()) {
        return fail("socket", errno);
    }
    int one = 1;
    ::setsockopt(s.fd(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (reusePort) {
        ::setsockopt(s.fd(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    }
    if (::bind(s.fd(), address.get(), address.length()) != 0) {
        return fail("bind", errno);
    }
    if (::listen(s.fd(), backlog) != 0) {
        return fail("listen", errno);
    }
    return s;
}

Result<Socket> Socket::connect(const SocketAddress& address) {
    Socket s(::socket(address.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!s.valid()) {
        return makeError(Code::IoError,
                         "dial tcp " + address.toString() + ": socket: " + errnoText(errno));
    }
    setNoDelay(s.fd());
    if (::connect(s.fd(), address.get(), address.length()) != 0 && errno != EINPROGRESS) {
        return makeError(Code::IoError,
                         "dial tcp " + address.toString() + ": connect: " + errnoText(errno));
    }
    return s;
}

Socket Socket::accept(int* err, SocketAddress* peer) const {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    int fd = ::accept4(fd_, reinterpret_cast<sockaddr*>(&ss), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
        *err = errno;
        return Socket();
    }
    if (peer != nullptr) {
        *peer = SocketAddress::fromSockaddr(reinterpret_cast<sockaddr*>(&ss), len);
    }
    *err = 0;
    setNoDelay(fd);
    return Socket(fd);
}

int Socket::pendingError() const {
    int err = 0;
    socklen_t len = sizeof err;
    if (::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len) != 0) {
        return errno;
    }
    return err;
}

SocketAddress Socket::localAddress() const {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&ss), &len);
    return SocketAddress::fromSockaddr(reinterpret_cast<sockaddr*>(&ss), len);
}

}  // namespace meshx::proxy
