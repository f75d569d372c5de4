#include "telemetry/otlp/otlp_receiver.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

// Boost 1.74's chunked parser asserts on a final chunk header split across reads (fixed upstream
// in boostorg/beast#2861; see core/agent/http_request_parser.cpp): run it as a release build does.
#define BOOST_DISABLE_ASSERTS
#include <boost/asio/buffer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "telemetry/otlp/otlp_json.h"
#include "telemetry/otlp/span_event.h"
#include "telemetry/telemetry_bus.h"

namespace meshx::telemetry::otlp {

namespace http = boost::beast::http;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto kIdleTimeout = std::chrono::seconds(60);
constexpr size_t kMaxHeaderBytes = 16 * 1024;

struct Connection {
    int fd = -1;
    std::string in;
    std::string out;
    std::unique_ptr<http::request_parser<http::string_body>> parser;
    bool closeAfterWrite = false;
    bool continueSent = false;  // "100 Continue" answered for the current request
    Clock::time_point lastActive = Clock::now();
};

std::string response(int status, const char* reason, const std::string& body, bool close) {
    std::string r =
        "HTTP/1.1 " + std::to_string(status) + " " + reason +
        "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
        "\r\n";
    if (close)
        r += "Connection: close\r\n";
    r += "\r\n";
    r += body;
    return r;
}

std::string errorBody(const std::string& message) {
    return nlohmann::json{{"error", message}}.dump(-1, ' ', false,
                                                   nlohmann::json::error_handler_t::replace);
}

std::string lowerMediaType(std::string_view contentType) {
    std::string t(contentType.substr(0, contentType.find(';')));
    while (!t.empty() && t.back() == ' ')
        t.pop_back();
    for (char& c : t)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return t;
}

}  // namespace

struct OtlpReceiver::Impl {
    explicit Impl(Options o) : options(std::move(o)) {}

    Options options;
    TelemetryBus* bus = nullptr;
    int listenFd = -1;
    int wakeFd = -1;
    std::thread thread;
    std::atomic<bool> stopping{false};
    std::vector<std::unique_ptr<Connection>> connections;

    mutable std::mutex mutex;  // guards the fields below
    std::optional<net::Address> bound;
    Stats stats;

    void newParser(Connection& c) {
        c.parser = std::make_unique<http::request_parser<http::string_body>>();
        c.parser->body_limit(options.maxBodyBytes);
        c.parser->header_limit(kMaxHeaderBytes);
        c.parser->eager(true);
    }

    void refuse(Connection& c, int status, const char* reason, const std::string& message) {
        c.out += response(status, reason, errorBody(message), true);
        c.closeAfterWrite = true;
        std::lock_guard lock(mutex);
        ++stats.refused;
    }

    void handle(Connection& c) {
        auto& req = c.parser->get();
        const bool keepAlive = req.keep_alive();
        std::string_view target(req.target().data(), req.target().size());
        target = target.substr(0, target.find('?'));
        if (target != "/v1/traces") {
            refuse(c, 404, "Not Found", "only POST /v1/traces is served here");
            return;
        }
        if (req.method() != http::verb::post) {
            refuse(c, 405, "Method Not Allowed", "use POST");
            return;
        }
        const auto ct = req.find(http::field::content_type);
        const std::string type = ct == req.end()
                                     ? std::string()
                                     : lowerMediaType({ct->value().data(), ct->value().size()});
        if (type != "application/json") {
            refuse(c, 415, "Unsupported Media Type",
                   "only OTLP/HTTP JSON (Content-Type: application/json) is accepted");
            return;
        }
        if (req.find(http::field::content_encoding) != req.end() &&
            req[http::field::content_encoding] != "identity") {
            refuse(c, 415, "Unsupported Media Type", "compressed bodies are not accepted");
            return;
        }
        const std::string& body = req.body();
        auto decoded = decodeTraces(body);
        if (!decoded) {
            refuse(c, 400, "Bad Request", decoded.error().message);
            return;
        }
        uint64_t count = 0;
        for (const ResourceSpans& batch : *decoded) {
            for (const Span& span : batch.spans) {
                bus->publish(spanEvent(batch, span));
                ++count;
            }
        }
        if (options.onBody)
            options.onBody(body);
        {
            std::lock_guard lock(mutex);
            ++stats.requests;
            stats.spans += count;
        }
        c.out += response(200, "OK", "{\"partialSuccess\":{}}", !keepAlive);
        c.closeAfterWrite = !keepAlive;
    }

    // Feeds what was read to the parser; answers every complete request.
    void parse(Connection& c) {
        while (!c.in.empty() && !c.closeAfterWrite) {
            boost::beast::error_code ec;
            const size_t used = c.parser->put(boost::asio::buffer(c.in.data(), c.in.size()), ec);
            c.in.erase(0, used);
            // A client that asked to be told before it sends the body (curl does for bodies
            // over 1 KiB) gets its 100 at once instead of waiting out its timer.
            if (!ec || ec == http::error::need_more) {
                if (c.parser->is_header_done() && !c.parser->is_done() && !c.continueSent) {
                    const auto& req = c.parser->get();
                    const auto expect = req.find(http::field::expect);
                    if (expect != req.end() &&
                        boost::beast::iequals(expect->value(), "100-continue"))
                        c.out += "HTTP/1.1 100 Continue\r\n\r\n";
                    c.continueSent = true;
                }
            }
            if (ec == http::error::need_more) {
                if (used == 0)
                    return;
                continue;
            }
            if (ec == http::error::body_limit) {
                refuse(c, 413, "Payload Too Large", "the body is larger than the limit");
                return;
            }
            if (ec == http::error::header_limit) {
                refuse(c, 431, "Request Header Fields Too Large", "the request head is too large");
                return;
            }
            if (ec) {
                refuse(c, 400, "Bad Request", "malformed HTTP request");
                return;
            }
            if (c.parser->is_done()) {
                handle(c);
                newParser(c);
                c.continueSent = false;
            } else if (used == 0) {
                return;
            }
        }
    }

    // Writes what it can; false when the connection is finished.
    bool flushOut(Connection& c) {
        while (!c.out.empty()) {
            const ssize_t n = ::send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
            if (n < 0) {
                if (errno == EAGAIN || errno == EWOULDBLOCK)
                    return true;
                if (errno == EINTR)
                    continue;
                return false;
            }
            c.out.erase(0, static_cast<size_t>(n));
        }
        return !c.closeAfterWrite;
    }

    bool onReadable(Connection& c) {
        char buf[65536];
        while (true) {
            const ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
            if (n > 0) {
                c.in.append(buf, static_cast<size_t>(n));
                if (c.in.size() > options.maxBodyBytes + kMaxHeaderBytes + 65536)
                    break;
                continue;
            }
            if (n == 0)
                return false;
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            return false;
        }
        c.lastActive = Clock::now();
        parse(c);
        return flushOut(c);
    }

    void accept() {
        while (true) {
            const int fd = ::accept4(listenFd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (fd < 0)
                return;
            if (connections.size() >= options.maxConnections) {
                ::close(fd);
                continue;
            }
            auto c = std::make_unique<Connection>();
            c->fd = fd;
            newParser(*c);
            connections.push_back(std::move(c));
        }
    }

    void run() {
        std::vector<pollfd> fds;
        while (!stopping.load()) {
            fds.clear();
            fds.push_back({wakeFd, POLLIN, 0});
            fds.push_back({listenFd, POLLIN, 0});
            for (const auto& c : connections) {
                const short events = static_cast<short>(POLLIN | (c->out.empty() ? 0 : POLLOUT));
                fds.push_back({c->fd, events, 0});
            }
            const int n = ::poll(fds.data(), fds.size(), 1000);
            if (n < 0 && errno != EINTR)
                break;
            if (fds[1].revents & POLLIN)
                accept();
            const auto now = Clock::now();
            std::vector<std::unique_ptr<Connection>> keep;
            for (size_t i = 0; i < connections.size(); ++i) {
                auto& c = connections[i];
                const short re = fds.size() > i + 2 ? fds[i + 2].revents : 0;
                bool alive = true;
                if (re & (POLLIN | POLLHUP | POLLERR))
                    alive = onReadable(*c);
                else if (re & POLLOUT)
                    alive = flushOut(*c);
                if (alive && now - c->lastActive > kIdleTimeout)
                    alive = false;
                if (alive)
                    keep.push_back(std::move(c));
                else
                    ::close(c->fd);
            }
            connections = std::move(keep);
        }
        for (auto& c : connections)
            ::close(c->fd);
        connections.clear();
    }
};

OtlpReceiver::OtlpReceiver(Options options) : impl_(std::make_unique<Impl>(std::move(options))) {}

OtlpReceiver::~OtlpReceiver() {
    stop();
}

Result<net::Address> OtlpReceiver::start() {
    if (impl_->listenFd >= 0)
        return makeError(Code::AlreadyStarted, "the OTLP receiver is already started");
    const net::Address& want = impl_->options.listen;
    if (!want.isTcp())
        return makeError(Code::InvalidArgument, "the OTLP receiver listens on TCP only");
    std::string host = want.host();
    if (host == "localhost")
        host = "127.0.0.1";
    sockaddr_storage ss{};
    socklen_t len = 0;
    int family = AF_INET;
    if (auto* a4 = reinterpret_cast<sockaddr_in*>(&ss);
        ::inet_pton(AF_INET, host.c_str(), &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons(want.port());
        len = sizeof(sockaddr_in);
    } else if (auto* a6 = reinterpret_cast<sockaddr_in6*>(&ss);
               ::inet_pton(AF_INET6, host.c_str(), &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons(want.port());
        len = sizeof(sockaddr_in6);
        family = AF_INET6;
    } else {
        return makeError(Code::InvalidArgument,
                         "the OTLP receiver needs an IP address or localhost, not '" + host + "'");
    }
    const int fd = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return makeError(Code::IoError, std::string("socket: ") + std::strerror(errno));
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 || ::listen(fd, 64) != 0) {
        const int err = errno;
        ::close(fd);
        return makeError(Code::IoError,
                         "cannot listen on " + want.toString() + ": " + std::strerror(err));
    }
    sockaddr_storage got{};
    socklen_t gotLen = sizeof got;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&got), &gotLen);
    const uint16_t port = family == AF_INET
                              ? ntohs(reinterpret_cast<sockaddr_in*>(&got)->sin_port)
                              : ntohs(reinterpret_cast<sockaddr_in6*>(&got)->sin6_port);
    impl_->listenFd = fd;
    impl_->wakeFd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    impl_->bus = impl_->options.bus != nullptr ? impl_->options.bus : &TelemetryBus::global();
    impl_->stopping = false;
    const net::Address address = net::Address::tcp(host, port);
    {
        std::lock_guard lock(impl_->mutex);
        impl_->bound = address;
    }
    impl_->thread = std::thread([this] { impl_->run(); });
    return address;
}

void OtlpReceiver::stop() {
    if (impl_->listenFd < 0)
        return;
    impl_->stopping = true;
    const uint64_t one = 1;
    (void)!::write(impl_->wakeFd, &one, sizeof one);
    if (impl_->thread.joinable())
        impl_->thread.join();
    ::close(impl_->listenFd);
    ::close(impl_->wakeFd);
    impl_->listenFd = -1;
    impl_->wakeFd = -1;
    std::lock_guard lock(impl_->mutex);
    impl_->bound.reset();
}

std::optional<net::Address> OtlpReceiver::address() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->bound;
}

OtlpReceiver::Stats OtlpReceiver::stats() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->stats;
}

std::string OtlpReceiver::tracesUrl() const {
    auto a = address();
    if (!a)
        return {};
    return "http://" + a->hostPort() + "/v1/traces";
}

}  // namespace meshx::telemetry::otlp
