#include "telemetry/tap/tap_client.h"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <utility>

#include "telemetry/tap/tap_protocol.h"

namespace meshx::telemetry {

namespace {

Error ioError(const std::string& what) {
    return Error{Code::IoError, what + ": " + std::strerror(errno)};
}

// Sends all of `data` on a blocking socket.
Status sendAll(int fd, const std::string& data) {
    size_t off = 0;
    while (off < data.size()) {
        const ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return ioError("tap send");
        }
        off += static_cast<size_t>(n);
    }
    return {};
}

}  // namespace

std::string TapClient::urlEncode(const std::string& text) {
    static const char* kHex = "0123456789ABCDEF";
    std::string out;
    for (const unsigned char c : text) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 15];
        }
    }
    return out;
}

Result<TapClient> TapClient::connect(const net::Address& address, const Request& request,
                                     std::chrono::milliseconds timeout) {
    int fd = -1;
    int rc = -1;
    if (address.isUds()) {
        sockaddr_un sun{};
        sun.sun_family = AF_UNIX;
        if (address.path().size() >= sizeof sun.sun_path) {
            return Error{Code::InvalidArgument, "tap socket path too long"};
        }
        std::memcpy(sun.sun_path, address.path().c_str(), address.path().size() + 1);
        fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            return ioError("tap socket");
        }
        rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&sun), sizeof sun);
    } else {
        addrinfo hints{};
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        hints.ai_flags = AI_NUMERICSERV;
        addrinfo* res = nullptr;
        const std::string port = std::to_string(address.port());
        if (const int g = ::getaddrinfo(address.host().c_str(), port.c_str(), &hints, &res);
            g != 0) {
            return Error{Code::InvalidArgument,
                         "tap address " + address.toString() + ": " + ::gai_strerror(g)};
        }
        fd = ::socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            ::freeaddrinfo(res);
            return ioError("tap socket");
        }
        rc = ::connect(fd, res->ai_addr, res->ai_addrlen);
        ::freeaddrinfo(res);
    }
    TapClient client(fd, address);
    if (rc != 0 && errno != EINPROGRESS && errno != EAGAIN) {
        return ioError("tap connect " + address.toString());
    }
    if (rc != 0) {
        pollfd p{fd, POLLOUT, 0};
        const int ready = ::poll(&p, 1, static_cast<int>(timeout.count()));
        if (ready == 0) {
            return Error{Code::Timeout, "tap connect " + address.toString() + ": timed out"};
        }
        int err = 0;
        socklen_t len = sizeof err;
        ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (ready < 0 || err != 0) {
            errno = err != 0 ? err : errno;
            return ioError("tap connect " + address.toString());
        }
    }
    // The request is a few hundred bytes: send it blocking, then read non-blocking.
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    std::string target = kTapStreamPath;
    std::string sep = "?";
    if (!request.filter.empty()) {
        target += sep + "filter=" + urlEncode(request.filter);
        sep = "&";
    }
    if (!request.sources.empty()) {
        target += sep + "source=" + urlEncode(request.sources);
    }
    std::string req = "GET " + target + " HTTP/1.1\r\nHost: " +
                      (address.isTcp() ? address.hostPort() : std::string("localhost")) +
                      "\r\nAccept: " + kTapContentType + "\r\n";
    if (!request.token.empty()) {
        req += std::string(kTapTokenHeader) + ": " + request.token + "\r\n";
    }
    req += "\r\n";
    if (auto sent = sendAll(fd, req); !sent) {
        return sent.error();
    }
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    return client;
}

TapClient::TapClient(TapClient&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      address_(std::move(other.address_)),
      reader_(std::move(other.reader_)) {}

TapClient& TapClient::operator=(TapClient&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) {
            ::close(fd_);
        }
        fd_ = std::exchange(other.fd_, -1);
        address_ = std::move(other.address_);
        reader_ = std::move(other.reader_);
    }
    return *this;
}

TapClient::~TapClient() {
    if (fd_ >= 0) {
        ::close(fd_);
    }
}

Status TapClient::readAvailable(std::vector<std::string>& lines) {
    char buf[16384];
    bool closed = false;
    for (;;) {
        const ssize_t n = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
        if (n > 0) {
            reader_.append(std::string_view(buf, static_cast<size_t>(n)));
            continue;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
            closed = true;
        }
        break;
    }
    if (closed) {
        reader_.finish();
    }
    for (auto& l : reader_.takeLines()) {
        lines.push_back(std::move(l));
    }
    if (reader_.failed()) {
        return reader_.error();
    }
    if (closed) {
        return Error{Code::Closed, "tap " + address_.toString() + " closed the stream"};
    }
    return {};
}

}  // namespace meshx::telemetry
