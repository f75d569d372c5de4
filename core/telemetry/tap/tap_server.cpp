#include "telemetry/tap/tap_server.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <future>
#include <list>
#include <mutex>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "telemetry/filter/event_filter.h"
#include "telemetry/tap/tap_lines.h"
#include "telemetry/tap/tap_protocol.h"
#include "telemetry/tap/tap_request.h"
#include "telemetry/tap/tap_selection.h"
#include "telemetry/telemetry_bus.h"

namespace meshx::telemetry {

namespace {

using Clock = std::chrono::steady_clock;

// A request head must arrive this soon after accept, or the connection is closed.
constexpr auto kHeadDeadline = std::chrono::seconds(10);
// Events taken from one subscription per drain round; rounds per tick are bounded too, so one
// busy subscriber cannot starve the others.
constexpr size_t kDrainBatch = 512;
constexpr int kDrainRoundsPerTick = 8;
// Connections still sending their request head, beyond the streaming ones.
constexpr size_t kExtraConnections = 16;

int64_t nowUs() {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

const char* reasonPhrase(int status) {
    switch (status) {
        case 200:
            return "OK";
        case 400:
            return "Bad Request";
        case 403:
            return "Forbidden";
        case 404:
            return "Not Found";
        case 405:
            return "Method Not Allowed";
        case 503:
            return "Service Unavailable";
        default:
            return "Error";
    }
}

std::string fullResponse(int status, const nlohmann::json& body, const std::string& extra = {}) {
    const std::string text =
        body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    std::string out = "HTTP/1.1 " + std::to_string(status) + " " + reasonPhrase(status) + "\r\n";
    out += "Content-Type: application/json\r\nContent-Length: " + std::to_string(text.size()) +
           "\r\nConnection: close\r\nCache-Control: no-store\r\n" + extra + "\r\n";
    out += text;
    return out;
}

std::string errorResponse(int status, const std::string& message) {
    return fullResponse(status, {{"error", message}});
}

// Compares without an early exit, so the time taken does not tell how much of a guess matched.
bool sameSecret(const std::string& a, const std::string& b) {
    unsigned diff = a.size() == b.size() ? 0U : 1U;
    const size_t n = std::max(a.size(), b.size());
    for (size_t i = 0; i < n; ++i) {
        const unsigned ca = i < a.size() ? static_cast<unsigned char>(a[i]) : 0U;
        const unsigned cb = i < b.size() ? static_cast<unsigned char>(b[i]) : 0U;
        diff |= ca ^ cb;
    }
    return diff == 0;
}

void appendChunk(std::string& out, const std::string& payload, bool chunked) {
    if (payload.empty()) {
        return;
    }
    if (!chunked) {
        out += payload;
        return;
    }
    char size[24];
    std::snprintf(size, sizeof size, "%zx\r\n", payload.size());
    out += size;
    out += payload;
    out += "\r\n";
}

Error ioError(const std::string& what) {
    return Error{Code::IoError, what + ": " + std::strerror(errno)};
}

}  // namespace

struct TapServer::Impl {
    struct Connection {
        int fd = -1;
        bool streaming = false;
        bool closeAfterFlush = false;
        bool dead = false;
        bool chunked = true;
        Clock::time_point acceptedAt;
        std::string in;
        std::string out;
        // Streaming only.
        std::shared_ptr<Subscription> subscription;
        std::optional<TapSelection> selection;
        uint64_t processGeneration = 0;
        std::string processJson;
        uint64_t sent = 0;
        Clock::time_point nextHeartbeat;
        // While the token check decides: the request it waits for, and the verdict to come.
        std::optional<TapRequest> pending;
        std::future<Result<bool>> verdict;
    };

    explicit Impl(Options o) : options(std::move(o)) {
        if (options.bus == nullptr) {
            options.bus = &TelemetryBus::global();
        }
    }

    Options options;
    int listenFd = -1;
    int wakeRead = -1;
    int wakeWrite = -1;
    std::thread thread;
    std::atomic<bool> stopping{false};
    std::atomic<size_t> streamingCount{0};
    std::optional<net::Address> bound;
    bool createdSocketFile = false;
    mutable std::mutex mutex;  // guards `bound` and `process`
    TapProcess process;
    std::atomic<uint64_t> processGeneration{1};
    TokenCheck tokenCheck;  // guarded by `mutex`
    std::atomic<size_t> pendingChecks{0};
    std::list<Connection> connections;  // tap thread only

    Result<net::Address> bindListener();
    void run();
    void acceptAll();
    void readFrom(Connection& c);
    void handleRequest(Connection& c, const TapRequest& req);
    void route(Connection& c, const TapRequest& req);
    void collectVerdict(Connection& c);
    void startStream(Connection& c, const TapRequest& req);
    std::string infoJson() const;
    void pump(Connection& c, Clock::time_point now);
    void flush(Connection& c);
    void closeAll();

    TapProcess currentProcess() const {
        std::lock_guard lock(mutex);
        return process;
    }
};

TapServer::TapServer(Options options) : impl_(std::make_unique<Impl>(std::move(options))) {
    impl_->process = impl_->options.process;
}

TapServer::~TapServer() {
    stop();
}

Result<net::Address> TapServer::Impl::bindListener() {
    const net::Address& a = options.listen;
    if (a.isUds()) {
        sockaddr_un sun{};
        sun.sun_family = AF_UNIX;
        if (a.path().size() >= sizeof sun.sun_path) {
            return Error{Code::InvalidArgument, "tap socket path too long: " + a.path()};
        }
        std::memcpy(sun.sun_path, a.path().c_str(), a.path().size() + 1);
        struct stat st {};
        if (::stat(a.path().c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) {
            ::unlink(a.path().c_str());  // a stale socket of an earlier run
        }
        listenFd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (listenFd < 0) {
            return ioError("tap socket");
        }
        if (::bind(listenFd, reinterpret_cast<const sockaddr*>(&sun), sizeof sun) != 0) {
            return ioError("tap bind " + a.toString());
        }
        createdSocketFile = true;
        // Only this user may read the tap.
        ::chmod(a.path().c_str(), 0600);
        if (::listen(listenFd, 16) != 0) {
            return ioError("tap listen " + a.toString());
        }
        return a;
    }
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* res = nullptr;
    const std::string port = std::to_string(a.port());
    if (const int rc = ::getaddrinfo(a.host().c_str(), port.c_str(), &hints, &res); rc != 0) {
        return Error{Code::InvalidArgument,
                     "tap address " + a.toString() + ": " + ::gai_strerror(rc)};
    }
    std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> guard(res, &::freeaddrinfo);
    listenFd = ::socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (listenFd < 0) {
        return ioError("tap socket");
    }
    const int one = 1;
    ::setsockopt(listenFd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(listenFd, res->ai_addr, res->ai_addrlen) != 0) {
        return ioError("tap bind " + a.toString());
    }
    if (::listen(listenFd, 16) != 0) {
        return ioError("tap listen " + a.toString());
    }
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    if (::getsockname(listenFd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) {
        return ioError("tap getsockname");
    }
    uint16_t boundPort = 0;
    if (ss.ss_family == AF_INET) {
        boundPort = ntohs(reinterpret_cast<const sockaddr_in*>(&ss)->sin_port);
    } else if (ss.ss_family == AF_INET6) {
        boundPort = ntohs(reinterpret_cast<const sockaddr_in6*>(&ss)->sin6_port);
    }
    return net::Address::tcp(a.host(), boundPort);
}

Result<net::Address> TapServer::start() {
    Impl& d = *impl_;
    if (d.thread.joinable()) {
        return Error{Code::AlreadyStarted, "tap already started"};
    }
    auto addr = d.bindListener();
    if (!addr) {
        if (d.listenFd >= 0) {
            ::close(d.listenFd);
            d.listenFd = -1;
        }
        return addr.error();
    }
    int fds[2];
    if (::pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) {
        auto e = ioError("tap wake pipe");
        ::close(d.listenFd);
        d.listenFd = -1;
        return e;
    }
    d.wakeRead = fds[0];
    d.wakeWrite = fds[1];
    {
        std::lock_guard lock(d.mutex);
        d.bound = *addr;
    }
    d.stopping = false;
    d.thread = std::thread([&d] { d.run(); });
    return *addr;
}

void TapServer::stop() {
    Impl& d = *impl_;
    if (!d.thread.joinable()) {
        return;
    }
    d.stopping = true;
    const char byte = 'x';
    [[maybe_unused]] const ssize_t n = ::write(d.wakeWrite, &byte, 1);
    d.thread.join();
    ::close(d.listenFd);
    ::close(d.wakeRead);
    ::close(d.wakeWrite);
    d.listenFd = d.wakeRead = d.wakeWrite = -1;
    if (d.createdSocketFile) {
        ::unlink(d.options.listen.path().c_str());
        d.createdSocketFile = false;
    }
    std::lock_guard lock(d.mutex);
    d.bound.reset();
}

std::optional<net::Address> TapServer::address() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->bound;
}

void TapServer::setServiceId(std::string serviceId) {
    std::lock_guard lock(impl_->mutex);
    impl_->process.serviceId = std::move(serviceId);
    impl_->processGeneration.fetch_add(1);
}

size_t TapServer::subscriberCount() const {
    return impl_->streamingCount.load();
}

void TapServer::setTokenCheck(TokenCheck check) {
    std::lock_guard lock(impl_->mutex);
    impl_->tokenCheck = std::move(check);
}

void TapServer::Impl::run() {
    std::vector<pollfd> fds;
    std::vector<Connection*> polled;
    while (!stopping.load()) {
        fds.clear();
        polled.clear();
        fds.push_back({wakeRead, POLLIN, 0});
        fds.push_back({listenFd, POLLIN, 0});
        for (auto& c : connections) {
            short events = POLLIN;  // a head to read, or a streaming peer hanging up
            if (!c.out.empty()) {
                events = static_cast<short>(events | POLLOUT);
            }
            fds.push_back({c.fd, events, 0});
            polled.push_back(&c);
        }
        // Drain every tick only while someone streams; an idle tap sleeps until a connection
        // arrives (waking once a second to expire request heads that never complete).
        const int timeout = streamingCount.load() > 0 || pendingChecks.load() > 0
                                ? static_cast<int>(options.tick.count())
                            : connections.empty() ? -1
                                                  : 1000;
        if (::poll(fds.data(), fds.size(), timeout) < 0 && errno != EINTR) {
            break;
        }
        if (fds[0].revents & POLLIN) {
            char buf[64];
            while (::read(wakeRead, buf, sizeof buf) > 0) {
            }
        }
        if (stopping.load()) {
            break;
        }
        if (fds[1].revents & POLLIN) {
            acceptAll();
        }
        for (size_t i = 0; i < polled.size(); ++i) {
            Connection& c = *polled[i];
            const short re = fds[i + 2].revents;
            if (re & (POLLIN | POLLHUP | POLLERR)) {
                readFrom(c);
            }
        }
        const auto now = Clock::now();
        for (auto& c : connections) {
            if (c.dead) {
                continue;
            }
            if (c.pending) {
                collectVerdict(c);
            }
            if (c.streaming) {
                pump(c, now);
            } else if (!c.closeAfterFlush && now - c.acceptedAt > kHeadDeadline) {
                c.dead = true;
                continue;
            }
            flush(c);
        }
        for (auto it = connections.begin(); it != connections.end();) {
            if (it->dead) {
                if (it->streaming) {
                    streamingCount.fetch_sub(1);
                }
                if (it->pending) {
                    pendingChecks.fetch_sub(1);  // its check runs out on its own thread
                }
                ::close(it->fd);
                it = connections.erase(it);  // releases the bus subscription
            } else {
                ++it;
            }
        }
    }
    closeAll();
}

void TapServer::Impl::acceptAll() {
    for (;;) {
        const int fd = ::accept4(listenFd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            return;  // EAGAIN, or a transient error: poll tells us again
        }
        if (connections.size() >= options.maxSubscribers + kExtraConnections) {
            ::close(fd);  // too many at once: not even a 503 is owed to a flood
            continue;
        }
        Connection c;
        c.fd = fd;
        c.acceptedAt = Clock::now();
        connections.push_back(std::move(c));
    }
}

void TapServer::Impl::readFrom(Connection& c) {
    char buf[4096];
    for (;;) {
        const ssize_t n = ::recv(c.fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n == 0) {
            c.dead = true;  // the subscriber went away
            return;
        }
        if (n < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                c.dead = true;
            }
            if (errno == EINTR) {
                continue;
            }
            break;
        }
        if (c.streaming || c.closeAfterFlush || c.pending) {
            continue;  // nothing more is expected from a subscriber: ignore it
        }
        c.in.append(buf, static_cast<size_t>(n));
        if (c.in.size() > TapRequest::kMaxHeadBytes + 4) {
            c.out = errorResponse(400, "request head too large");
            c.closeAfterFlush = true;
            return;
        }
    }
    if (c.streaming || c.closeAfterFlush || c.dead || c.pending) {
        return;
    }
    if (auto len = TapRequest::headLength(c.in)) {
        auto req = TapRequest::parse(std::string_view(c.in).substr(0, *len));
        if (!req) {
            c.out = errorResponse(400, req.error().message);
            c.closeAfterFlush = true;
        } else {
            handleRequest(c, *req);
        }
        c.in.clear();
    }
}

void TapServer::Impl::handleRequest(Connection& c, const TapRequest& req) {
    c.closeAfterFlush = true;  // every answer but a stream ends the connection
    if (req.method != "GET") {
        c.out = errorResponse(405, "only GET is served");
        return;
    }
    if (!options.requiredToken.empty()) {
        const std::string token = req.header("x-consul-token");
        TokenCheck check;
        {
            std::lock_guard lock(mutex);
            check = tokenCheck;
        }
        if (token.empty() || (!check && !sameSecret(token, options.requiredToken))) {
            c.out = errorResponse(403, "permission denied: a valid X-Consul-Token is required");
            return;
        }
        if (check) {
            // The agent decides; the answer is collected by the loop (collectVerdict).
            c.closeAfterFlush = false;
            c.pending = req;
            c.verdict = std::async(std::launch::async, std::move(check), token);
            pendingChecks.fetch_add(1);
            return;
        }
    }
    route(c, req);
}

void TapServer::Impl::collectVerdict(Connection& c) {
    if (c.verdict.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
        return;
    }
    pendingChecks.fetch_sub(1);
    const Result<bool> verdict = c.verdict.get();
    const TapRequest req = std::move(*c.pending);
    c.pending.reset();
    c.closeAfterFlush = true;
    if (!verdict) {
        c.out = errorResponse(503, "cannot verify the token: " + verdict.error().message);
    } else if (!*verdict) {
        c.out = errorResponse(403, "permission denied: the token may not read this service");
    } else {
        route(c, req);
    }
}

void TapServer::Impl::route(Connection& c, const TapRequest& req) {
    if (req.path == kTapInfoPath) {
        c.out = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ";
        const std::string body = infoJson();
        c.out += std::to_string(body.size()) +
                 "\r\nConnection: close\r\nCache-Control: no-store\r\n\r\n";
        c.out += body;
        return;
    }
    if (req.path != kTapStreamPath) {
        c.out = errorResponse(404, "no such endpoint: " + req.path);
        return;
    }
    startStream(c, req);
}

void TapServer::Impl::startStream(Connection& c, const TapRequest& req) {
    auto get = [&req](const char* key) {
        auto it = req.query.find(key);
        return it == req.query.end() ? std::string{} : it->second;
    };
    FilterError detail;
    auto selection = TapSelection::parse(get("filter"), get("source"), &detail);
    if (!selection) {
        c.out = fullResponse(400, {{"error", "bad filter: " + detail.toString()},
                                   {"column", detail.position + 1},
                                   {"message", detail.message}});
        return;
    }
    if (streamingCount.load() >= options.maxSubscribers) {
        c.out = fullResponse(503,
                             {{"error", "too many tap subscribers (limit " +
                                            std::to_string(options.maxSubscribers) + ")"}},
                             "Retry-After: 1\r\n");
        return;
    }
    c.closeAfterFlush = false;
    c.streaming = true;
    c.chunked = req.version == "HTTP/1.1";
    streamingCount.fetch_add(1);
    c.subscription = options.bus->subscribe(options.queueCapacity);
    c.selection = std::move(*selection);
    const TapProcess p = currentProcess();
    c.processGeneration = processGeneration.load();
    c.processJson = p.toJson().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    c.out = "HTTP/1.1 200 OK\r\nContent-Type: ";
    c.out += kTapContentType;
    c.out += "\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n";
    c.out += c.chunked ? "Transfer-Encoding: chunked\r\n" : "Connection: close\r\n";
    c.out += "\r\n";
    tap_lines::Hello hello;
    hello.process = p;
    hello.filter = c.selection->filterText();
    hello.sources = c.selection->sources();
    hello.heartbeatMs = options.heartbeat.count();
    hello.queueCapacity = options.queueCapacity;
    std::string line;
    tap_lines::appendHello(line, hello);
    appendChunk(c.out, line, c.chunked);
    c.nextHeartbeat = Clock::now() + options.heartbeat;
}

std::string TapServer::Impl::infoJson() const {
    nlohmann::json fields = nlohmann::json::array();
    for (const auto& f : EventFilter::fields()) {
        fields.push_back({{"name", f.name},
                          {"type", f.type == EventFilter::FieldType::Number ? "number" : "string"},
                          {"description", f.description}});
    }
    nlohmann::json j = {
        {"schema", kTapSchemaVersion},
        {"process", currentProcess().toJson()},
        {"endpoints", {kTapStreamPath, kTapInfoPath}},
        {"content_type", kTapContentType},
        {"line_types", {"hello", "event", "heartbeat"}},
        {"event_fields",
         {"type", "seq", "time_us", "time", "source", "name", "metrics", "meta", "process"}},
        {"filter_fields", fields},
        {"subscribers", streamingCount.load()},
        {"max_subscribers", options.maxSubscribers},
        {"queue_capacity", options.queueCapacity},
        {"heartbeat_ms", options.heartbeat.count()},
        {"token_required", !options.requiredToken.empty()},
    };
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

void TapServer::Impl::pump(Connection& c, Clock::time_point now) {
    if (const uint64_t g = processGeneration.load(); g != c.processGeneration) {
        c.processGeneration = g;
        c.processJson = currentProcess().toJson().dump(-1, ' ', false,
                                                       nlohmann::json::error_handler_t::replace);
    }
    std::string payload;
    std::vector<Event> batch;
    for (int round = 0; round < kDrainRoundsPerTick; ++round) {
        // A subscriber that does not read is paused here: its bus queue fills and drops.
        if (c.out.size() + payload.size() >= options.maxBufferedBytes) {
            break;
        }
        batch.clear();
        if (c.subscription->drainTyped(batch, kDrainBatch) == 0) {
            break;
        }
        for (const Event& e : batch) {
            if (c.selection->accepts(e)) {
                tap_lines::appendEvent(payload, e, c.processJson);
                ++c.sent;
            }
        }
    }
    if (now >= c.nextHeartbeat) {
        c.nextHeartbeat = now + options.heartbeat;
        if (c.out.size() + payload.size() < options.maxBufferedBytes) {
            tap_lines::appendHeartbeat(payload, nowUs(), c.subscription->dropped(), c.sent);
        }
    }
    appendChunk(c.out, payload, c.chunked);
}

void TapServer::Impl::flush(Connection& c) {
    while (!c.out.empty()) {
        const ssize_t n = ::send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                c.dead = true;
            }
            return;
        }
        c.out.erase(0, static_cast<size_t>(n));
    }
    if (c.closeAfterFlush) {
        ::shutdown(c.fd, SHUT_WR);
        c.dead = true;
    }
}

void TapServer::Impl::closeAll() {
    const auto now = Clock::now();
    for (auto& c : connections) {
        if (c.streaming && !c.dead) {
            // What producers published up to the stop still goes out (a sidecar's last flows
            // close as it shuts down), as far as the socket takes it without waiting.
            pump(c, now);
            flush(c);
        }
        if (c.streaming && c.chunked && !c.dead) {
            c.out += "0\r\n\r\n";  // the end of the stream, if the socket takes it now
            flush(c);
        }
        ::close(c.fd);
    }
    connections.clear();
    streamingCount = 0;
}

// The process-wide tap. ------------------------------------------------------------------------

namespace {

struct ProcessTap {
    std::mutex mutex;
    std::unique_ptr<TapServer> server;
    std::optional<net::Address> address;
    bool configured = false;
    bool tokenRequired = false;
};

ProcessTap& processTap() {
    // The bus is created first so that it outlives the tap (statics die in reverse order).
    TelemetryBus::global();
    static ProcessTap tap;
    return tap;
}

bool envTrue(const char* value) {
    if (value == nullptr) {
        return false;
    }
    const std::string v = value;
    return !v.empty() && v != "0" && v != "false" && v != "no" && v != "off";
}

}  // namespace

Result<std::optional<net::Address>> TapServer::startFromEnvironment(const std::string& program) {
    ProcessTap& tap = processTap();
    std::lock_guard lock(tap.mutex);
    if (tap.configured) {
        return tap.address;
    }
    const char* listen = std::getenv(kTapListenEnv);
    std::string listenText = listen != nullptr ? listen : "";
    if (listenText == "off") {
        tap.configured = true;
        return std::optional<net::Address>{};
    }
    if (listenText.empty()) {
        listenText = "tcp://127.0.0.1:0";
    }
    auto addr = net::Address::parse(listenText);
    if (!addr) {
        return Error{Code::InvalidArgument,
                     std::string(kTapListenEnv) + ": " + addr.error().message};
    }
    Options o;
    o.listen = *addr;
    o.process = TapProcess::current(program);
    if (envTrue(std::getenv(kTapTokenRequiredEnv))) {
        const char* token = std::getenv("CONSUL_HTTP_TOKEN");
        if (token == nullptr || *token == '\0') {
            return Error{Code::InvalidArgument, std::string(kTapTokenRequiredEnv) +
                                                    " is set but CONSUL_HTTP_TOKEN is empty"};
        }
        o.requiredToken = token;
    }
    const bool tokenRequired = !o.requiredToken.empty();
    auto server = std::make_unique<TapServer>(std::move(o));
    auto bound = server->start();
    if (!bound) {
        return bound.error();
    }
    tap.tokenRequired = tokenRequired;
    tap.server = std::move(server);
    tap.address = *bound;
    tap.configured = true;
    return tap.address;
}

std::optional<net::Address> TapServer::processAddress() {
    ProcessTap& tap = processTap();
    std::lock_guard lock(tap.mutex);
    return tap.address;
}

bool TapServer::setProcessTokenCheck(TokenCheck check) {
    ProcessTap& tap = processTap();
    std::lock_guard lock(tap.mutex);
    if (!tap.server || !tap.tokenRequired) {
        return false;
    }
    tap.server->setTokenCheck(std::move(check));
    return true;
}

void TapServer::setProcessServiceId(std::string serviceId) {
    ProcessTap& tap = processTap();
    std::lock_guard lock(tap.mutex);
    if (tap.server) {
        tap.server->setServiceId(std::move(serviceId));
    }
}

}  // namespace meshx::telemetry
