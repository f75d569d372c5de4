#include "rpc/transport/socket_ops.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace meshx::rpc::transport {

namespace {

Error ioError(const std::string& what) {
    return makeError(Code::IoError, what + ": " + std::strerror(errno));
}

struct SockAddr {
    sockaddr_storage storage{};
    socklen_t len = 0;
    int family = AF_INET;
};

Result<SockAddr> resolve(const net::Address& address) {
    SockAddr sa;
    if (address.isUds()) {
        auto* un = reinterpret_cast<sockaddr_un*>(&sa.storage);
        un->sun_family = AF_UNIX;
        if (address.path().size() >= sizeof(un->sun_path)) {
            return makeError(Code::InvalidArgument, "unix socket path too long: " + address.path());
        }
        std::memcpy(un->sun_path, address.path().c_str(), address.path().size() + 1);
        sa.len = static_cast<socklen_t>(sizeof(sockaddr_un));
        sa.family = AF_UNIX;
        return sa;
    }
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo* res = nullptr;
    const std::string port = std::to_string(address.port());
    const int rc = ::getaddrinfo(address.host().c_str(), port.c_str(), &hints, &res);
    if (rc != 0 || res == nullptr) {
        return makeError(Code::InvalidArgument,
                         "cannot resolve " + address.host() + ": " + ::gai_strerror(rc));
    }
    std::memcpy(&sa.storage, res->ai_addr, res->ai_addrlen);
    sa.len = static_cast<socklen_t>(res->ai_addrlen);
    sa.family = res->ai_family;
    ::freeaddrinfo(res);
    return sa;
}

}  // namespace

void setNoDelay(int fd) {
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

std::string socketName(int fd, bool peer) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    auto* sa = reinterpret_cast<sockaddr*>(&ss);
    if (fd < 0 || (peer ? ::getpeername(fd, sa, &len) : ::getsockname(fd, sa, &len)) != 0)
        return {};
    char host[INET6_ADDRSTRLEN] = {};
    if (ss.ss_family == AF_INET) {
        const auto* in = reinterpret_cast<const sockaddr_in*>(&ss);
        ::inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
        return std::string(host) + ":" + std::to_string(ntohs(in->sin_port));
    }
    if (ss.ss_family == AF_INET6) {
        const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&ss);
        ::inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
        return "[" + std::string(host) + "]:" + std::to_string(ntohs(in6->sin6_port));
    }
    return {};
}

Result<int> listenOn(const net::Address& address, int backlog) {
    auto sa = resolve(address);
    if (!sa)
        return sa.error();
    int fd = ::socket(sa->family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return ioError("socket");
    if (address.isUds()) {
        ::unlink(address.path().c_str());
    } else {
        int one = 1;
        ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    }
    if (::bind(fd, reinterpret_cast<sockaddr*>(&sa->storage), sa->len) != 0) {
        Error e = ioError("bind " + address.toString());
        ::close(fd);
        return e;
    }
    if (::listen(fd, backlog) != 0) {
        Error e = ioError("listen " + address.toString());
        ::close(fd);
        return e;
    }
    return fd;
}

Result<net::Address> localAddress(int fd, const net::Address& like) {
    if (like.isUds())
        return like;
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0)
        return ioError("getsockname");
    uint16_t port = 0;
    if (ss.ss_family == AF_INET) {
        port = ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
    } else if (ss.ss_family == AF_INET6) {
        port = ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
    }
    return net::Address::tcp(like.host(), port);
}

Result<int> connectTo(const net::Address& address, std::chrono::milliseconds timeout) {
    auto sa = resolve(address);
    if (!sa)
        return sa.error();
    int fd = ::socket(sa->family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return ioError("socket");
    int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&sa->storage), sa->len);
    if (rc != 0 && errno == EINPROGRESS) {
        pollfd p{fd, POLLOUT, 0};
        const auto ms = timeout.count() > INT32_MAX ? INT32_MAX : static_cast<int>(timeout.count());
        do {
            rc = ::poll(&p, 1, ms);
        } while (rc < 0 && errno == EINTR);
        if (rc == 0) {
            ::close(fd);
            return makeError(Code::Timeout, "connect " + address.toString() + " timed out");
        }
        int err = 0;
        socklen_t len = sizeof err;
        ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (rc < 0 || err != 0) {
            errno = rc < 0 ? errno : err;
            Error e = ioError("connect " + address.toString());
            ::close(fd);
            return e;
        }
    } else if (rc != 0) {
        Error e = ioError("connect " + address.toString());
        ::close(fd);
        return e;
    }
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    if (address.isTcp())
        setNoDelay(fd);
    return fd;
}

Result<int> acceptOn(int listenFd) {
    for (;;) {
        int fd = ::accept4(listenFd, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd >= 0)
            return fd;
        if (errno == EINTR || errno == ECONNABORTED)
            continue;
        return ioError("accept");
    }
}

}  // namespace meshx::rpc::transport
