#include "proxy/agent_connection.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace meshx::proxy {

namespace {

using Clock = std::chrono::steady_clock;

int msUntil(AgentConnection::Deadline deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    // Capped so a missed wake-up (none expected: cancel shuts the socket down) costs one second.
    return static_cast<int>(std::clamp<long long>(left, 0, 1000));
}

std::string errnoText(int error) {
    return std::strerror(error);
}

std::string sslErrorText() {
    const unsigned long e = ERR_get_error();
    ERR_clear_error();
    if (e == 0) {
        return "connection closed during TLS";
    }
    char text[256];
    ERR_error_string_n(e, text, sizeof text);
    return text;
}

// A non-blocking connect bounded by the deadline; the socket stays non-blocking.
Result<int> connectTo(const sockaddr* address, socklen_t length, int family,
                      AgentConnection::Deadline deadline) {
    const int fd = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return makeError(Code::AgentUnreachable, "socket: " + errnoText(errno));
    }
    if (::connect(fd, address, length) != 0 && errno != EINPROGRESS) {
        const int error = errno;
        ::close(fd);
        return makeError(Code::AgentUnreachable, "connect: " + errnoText(error));
    }
    for (;;) {
        pollfd p{fd, POLLOUT, 0};
        const int n = ::poll(&p, 1, msUntil(deadline));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n > 0) {
            break;
        }
        if (Clock::now() >= deadline) {
            ::close(fd);
            return makeError(Code::AgentUnreachable, "connect: timed out");
        }
    }
    int error = 0;
    socklen_t size = sizeof error;
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size);
    if (error != 0) {
        ::close(fd);
        return makeError(Code::AgentUnreachable, "connect: " + errnoText(error));
    }
    if (family != AF_UNIX) {
        const int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    return fd;
}

Result<int> connectUnix(const std::string& path, AgentConnection::Deadline deadline) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path.size() >= sizeof address.sun_path) {
        return makeError(Code::AgentUnreachable, "unix socket path too long");
    }
    std::memcpy(address.sun_path, path.data(), path.size());
    return connectTo(reinterpret_cast<const sockaddr*>(&address), sizeof address, AF_UNIX,
                     deadline);
}

Result<int> connectTcp(const std::string& host, uint16_t port, AgentConnection::Deadline deadline) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo* found = nullptr;
    const std::string service = std::to_string(port);
    if (int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found); rc != 0) {
        return makeError(Code::AgentUnreachable,
                         "cannot resolve host: " + std::string(::gai_strerror(rc)));
    }
    Error last = makeError(Code::AgentUnreachable, "no address");
    for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
        auto fd = connectTo(a->ai_addr, a->ai_addrlen, a->ai_family, deadline);
        if (fd) {
            ::freeaddrinfo(found);
            return fd;
        }
        last = fd.error();
    }
    ::freeaddrinfo(found);
    return last;
}

}  // namespace

Result<std::unique_ptr<AgentConnection>> AgentConnection::open(
    const AgentEndpoint& agent, SSL_CTX* tls, const std::string& serverName, Deadline deadline,
    const consul::CancelToken& cancel, const consul::CancelToken& shutdown) {
    auto fd = agent.scheme == AgentEndpoint::Scheme::Unix
                  ? connectUnix(agent.socketPath, deadline)
                  : connectTcp(agent.host, agent.port, deadline);
    if (!fd) {
        return fd.error();
    }
    std::unique_ptr<AgentConnection> connection(new AgentConnection(*fd, cancel, shutdown));
    if (connection->cancelled()) {
        return makeError(Code::Closed, "cancelled");
    }
    if (tls != nullptr) {
        if (auto st = connection->handshake(tls, serverName, deadline); !st) {
            return st.error();
        }
    }
    return connection;
}

AgentConnection::AgentConnection(int fd, const consul::CancelToken& cancel,
                                 const consul::CancelToken& shutdown)
    : fd_(fd), cancel_(cancel), shutdown_(shutdown) {
    // shutdown() (not close()) from the cancelling thread: the descriptor stays ours until the
    // destructor, and the poll in wait() returns at once.
    auto waker = [fd] { ::shutdown(fd, SHUT_RDWR); };
    onCancel_ = cancel_.onCancel(waker);
    onShutdown_ = shutdown_.onCancel(waker);
}

AgentConnection::~AgentConnection() {
    onCancel_ = {};
    onShutdown_ = {};
    if (ssl_ != nullptr) {
        SSL_free(ssl_);
    }
    ::close(fd_);
}

bool AgentConnection::cancelled() const {
    return cancel_.cancelled() || shutdown_.cancelled();
}

Status AgentConnection::wait(short events, Deadline deadline, const char* what) {
    for (;;) {
        if (cancelled()) {
            return makeError(Code::Closed, "cancelled");
        }
        pollfd p{fd_, events, 0};
        const int n = ::poll(&p, 1, msUntil(deadline));
        if (n > 0) {
            return cancelled() ? Status(makeError(Code::Closed, "cancelled")) : Status{};
        }
        if (n < 0 && errno != EINTR) {
            return makeError(Code::AgentUnreachable, std::string(what) + ": " + errnoText(errno));
        }
        if (Clock::now() >= deadline) {
            return makeError(Code::AgentUnreachable, std::string(what) + ": timed out");
        }
    }
}

Status AgentConnection::handshake(SSL_CTX* tls, const std::string& serverName, Deadline deadline) {
    ssl_ = SSL_new(tls);
    if (ssl_ == nullptr || SSL_set_fd(ssl_, fd_) != 1) {
        return makeError(Code::AgentUnreachable, "TLS: " + sslErrorText());
    }
    // SNI only for names (RFC 6066 forbids addresses); the name or address is verified either way
    // when the context verifies.
    in6_addr scratch{};
    const bool isAddress = ::inet_pton(AF_INET, serverName.c_str(), &scratch) == 1 ||
                           ::inet_pton(AF_INET6, serverName.c_str(), &scratch) == 1;
    if (!isAddress) {
        // SSL_set_tlsext_host_name is a macro with an old-style cast: the call it expands to.
        SSL_ctrl(ssl_, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                 const_cast<char*>(serverName.c_str()));
    }
    if (SSL_CTX_get_verify_mode(tls) != SSL_VERIFY_NONE) {
        X509_VERIFY_PARAM* param = SSL_get0_param(ssl_);
        const int ok = isAddress ? X509_VERIFY_PARAM_set1_ip_asc(param, serverName.c_str())
                                 : X509_VERIFY_PARAM_set1_host(param, serverName.c_str(), 0);
        if (ok != 1) {
            return makeError(Code::AgentUnreachable, "TLS: cannot verify as " + serverName);
        }
    }
    for (;;) {
        ERR_clear_error();
        const int rc = SSL_connect(ssl_);
        if (rc == 1) {
            return {};
        }
        const int e = SSL_get_error(ssl_, rc);
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
            if (auto st = wait(e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline, "TLS"); !st) {
                return st;
            }
            continue;
        }
        std::string why = sslErrorText();
        if (const long v = SSL_get_verify_result(ssl_); v != X509_V_OK) {
            why = X509_verify_cert_error_string(v);
        }
        return makeError(Code::AgentUnreachable, "TLS handshake: " + why);
    }
}

Status AgentConnection::writeAll(std::string_view bytes, Deadline deadline) {
    while (!bytes.empty()) {
        if (ssl_ != nullptr) {
            ERR_clear_error();
            size_t written = 0;
            if (SSL_write_ex(ssl_, bytes.data(), bytes.size(), &written) == 1) {
                bytes.remove_prefix(written);
                continue;
            }
            const int e = SSL_get_error(ssl_, 0);
            if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
                return makeError(Code::AgentUnreachable, "send: " + sslErrorText());
            }
            if (auto st = wait(e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline, "send");
                !st) {
                return st;
            }
            continue;
        }
        const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n >= 0) {
            bytes.remove_prefix(static_cast<size_t>(n));
            continue;
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno != EAGAIN) {
            return cancelled()
                       ? Status(makeError(Code::Closed, "cancelled"))
                       : Status(makeError(Code::AgentUnreachable, "send: " + errnoText(errno)));
        }
        if (auto st = wait(POLLOUT, deadline, "send"); !st) {
            return st;
        }
    }
    return {};
}

Result<std::size_t> AgentConnection::readSome(char* buffer, std::size_t size, Deadline deadline) {
    for (;;) {
        if (cancelled()) {
            return makeError(Code::Closed, "cancelled");
        }
        if (ssl_ != nullptr) {
            ERR_clear_error();
            size_t got = 0;
            if (SSL_read_ex(ssl_, buffer, size, &got) == 1) {
                return got;
            }
            const int e = SSL_get_error(ssl_, 0);
            if (e == SSL_ERROR_ZERO_RETURN) {
                return std::size_t{0};
            }
            if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
                if (cancelled()) {
                    return makeError(Code::Closed, "cancelled");
                }
                // A peer closing without close_notify is how many servers end a reply: the HTTP
                // framing (not TLS) says whether the reply was complete.
                if (e == SSL_ERROR_SYSCALL || e == SSL_ERROR_SSL) {
                    if (ERR_peek_error() == 0) {
                        return std::size_t{0};
                    }
                }
                return makeError(Code::AgentUnreachable, "receive: " + sslErrorText());
            }
            if (auto st = wait(e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline, "receive");
                !st) {
                return st.error();
            }
            continue;
        }
        const ssize_t n = ::recv(fd_, buffer, size, 0);
        if (n >= 0) {
            if (n == 0 && cancelled()) {
                return makeError(Code::Closed, "cancelled");
            }
            return static_cast<std::size_t>(n);
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno != EAGAIN) {
            return cancelled() ? Result<std::size_t>(makeError(Code::Closed, "cancelled"))
                               : Result<std::size_t>(makeError(Code::AgentUnreachable,
                                                               "receive: " + errnoText(errno)));
        }
        if (auto st = wait(POLLIN, deadline, "receive"); !st) {
            return st.error();
        }
    }
}

}  // namespace meshx::proxy
