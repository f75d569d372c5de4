#include "proxy_test_support.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace meshx::proxy::testing {

namespace {

using Clock = std::chrono::steady_clock;

int remainingMs(Clock::time_point deadline) {
    auto left = std::chrono::duration_cast<Ms>(deadline - Clock::now()).count();
    return left < 0 ? 0 : static_cast<int>(left);
}

void setTimeouts(int fd, Ms timeout) {
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
    tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

}  // namespace

EchoServer::EchoServer() {
    listenFd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listenFd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listenFd_, 1024) != 0) {
        throw std::runtime_error("echo server bind failed");
    }
    socklen_t len = sizeof addr;
    ::getsockname(listenFd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    wakeFd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    thread_ = std::thread([this] { run(); });
}

EchoServer::~EchoServer() {
    stop_ = true;
    uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wakeFd_, &one, sizeof one);
    thread_.join();
    ::close(wakeFd_);
    ::close(listenFd_);
}

void EchoServer::run() {
    struct Conn {
        int fd;
        std::string pending;
        bool eof = false;
    };
    std::vector<Conn> conns;
    std::vector<pollfd> fds;
    char buf[65536];
    while (!stop_) {
        fds.clear();
        fds.push_back({wakeFd_, POLLIN, 0});
        fds.push_back({listenFd_, POLLIN, 0});
        for (auto& c : conns) {
            short ev = 0;
            if (c.pending.empty() && !c.eof) {
                ev |= POLLIN;
            }
            if (!c.pending.empty()) {
                ev |= POLLOUT;
            }
            fds.push_back({c.fd, ev, 0});
        }
        if (::poll(fds.data(), fds.size(), -1) < 0) {
            continue;
        }
        if (fds[0].revents) {
            break;
        }
        std::vector<Conn> next;
        for (size_t i = 0; i < conns.size(); ++i) {
            Conn& c = conns[i];
            short re = fds[i + 2].revents;
            bool dead = false;
            if (re & (POLLIN | POLLHUP | POLLERR)) {
                ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
                if (n > 0) {
                    c.pending.append(buf, static_cast<size_t>(n));
                } else if (n == 0) {
                    c.eof = true;
                } else if (errno != EAGAIN) {
                    dead = true;
                }
            }
            if (!dead && !c.pending.empty()) {
                ssize_t n = ::send(c.fd, c.pending.data(), c.pending.size(), MSG_NOSIGNAL);
                if (n > 0) {
                    c.pending.erase(0, static_cast<size_t>(n));
                } else if (n < 0 && errno != EAGAIN) {
                    dead = true;
                }
            }
            if (!dead && c.eof && c.pending.empty()) {
                ::shutdown(c.fd, SHUT_WR);
                dead = true;
            }
            if (dead) {
                ::close(c.fd);
                ++closed_;
            } else {
                next.push_back(std::move(c));
            }
        }
        conns = std::move(next);
        if (fds[1].revents & POLLIN) {
            for (;;) {
                int fd = ::accept4(listenFd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (fd < 0) {
                    break;
                }
                ++accepted_;
                conns.push_back(Conn{fd, {}, false});
            }
        }
    }
    for (auto& c : conns) {
        ::close(c.fd);
    }
}

int connectTcp(uint16_t port, Ms timeout) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    setTimeouts(fd, timeout);
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

bool sendAll(int fd, const std::string& data) {
    size_t off = 0;
    while (off < data.size()) {
        ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
        if (n <= 0) {
            return false;
        }
        off += static_cast<size_t>(n);
    }
    return true;
}

std::string recvN(int fd, size_t n, Ms timeout) {
    auto deadline = Clock::now() + timeout;
    std::string out;
    char buf[65536];
    while (out.size() < n) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, remainingMs(deadline)) <= 0) {
            break;
        }
        ssize_t got = ::recv(fd, buf, std::min(sizeof buf, n - out.size()), 0);
        if (got <= 0) {
            break;
        }
        out.append(buf, static_cast<size_t>(got));
    }
    return out;
}

bool recvUntilEof(int fd, Ms timeout, std::string* out) {
    auto deadline = Clock::now() + timeout;
    char buf[65536];
    for (;;) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, remainingMs(deadline)) <= 0) {
            return false;
        }
        ssize_t got = ::recv(fd, buf, sizeof buf, 0);
        if (got == 0) {
            return true;
        }
        if (got < 0) {
            return false;
        }
        if (out != nullptr) {
            out->append(buf, static_cast<size_t>(got));
        }
    }
}

bool waitClosed(int fd, Ms timeout) {
    auto deadline = Clock::now() + timeout;
    char buf[4096];
    for (;;) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, remainingMs(deadline)) <= 0) {
            return false;
        }
        ssize_t got = ::recv(fd, buf, sizeof buf, 0);
        if (got <= 0) {
            return true;
        }
    }
}

std::string roundTrip(uint16_t port, const std::string& payload, Ms timeout) {
    int fd = connectTcp(port, timeout);
    if (fd < 0) {
        return {};
    }
    std::string got;
    if (sendAll(fd, payload)) {
        got = recvN(fd, payload.size(), timeout);
    }
    ::close(fd);
    return got;
}

bool refused(uint16_t port) {
    int fd = connectTcp(port, Ms(500));
    if (fd >= 0) {
        ::close(fd);
        return false;
    }
    return true;
}

int openFdCount() {
    int count = 0;
    DIR* dir = ::opendir("/proc/self/fd");
    while (dirent* e = ::readdir(dir)) {
        if (e->d_name[0] != '.') {
            ++count;
        }
    }
    ::closedir(dir);
    return count - 1;  // the directory stream itself
}

uint16_t freePort() {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ::close(fd);
    return ntohs(addr.sin_port);
}

struct TlsClient::Impl {
    SSL_CTX* ctx = nullptr;
    SSL* ssl = nullptr;
    int fd = -1;
    ~Impl() {
        if (ssl != nullptr) {
            SSL_free(ssl);
        }
        if (fd >= 0) {
            ::close(fd);
        }
        SSL_CTX_free(ctx);
    }
};

TlsClient::TlsClient(const TlsMaterial& material) : impl_(std::make_unique<Impl>()) {
    impl_->ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_min_proto_version(impl_->ctx, TLS1_2_VERSION);
    X509_STORE* store = SSL_CTX_get_cert_store(impl_->ctx);
    BIO* roots =
        BIO_new_mem_buf(material.rootsPem.data(), static_cast<int>(material.rootsPem.size()));
    while (X509* x = PEM_read_bio_X509(roots, nullptr, nullptr, nullptr)) {
        X509_STORE_add_cert(store, x);
        X509_free(x);
    }
    BIO_free(roots);
    ERR_clear_error();
    SSL_CTX_set_verify(impl_->ctx, SSL_VERIFY_PEER, nullptr);
    if (!material.certChainPem.empty()) {
        BIO* cert = BIO_new_mem_buf(material.certChainPem.data(),
                                    static_cast<int>(material.certChainPem.size()));
        X509* x = PEM_read_bio_X509(cert, nullptr, nullptr, nullptr);
        SSL_CTX_use_certificate(impl_->ctx, x);
        X509_free(x);
        BIO_free(cert);
        BIO* key = BIO_new_mem_buf(material.privateKeyPem.data(),
                                   static_cast<int>(material.privateKeyPem.size()));
        EVP_PKEY* k = PEM_read_bio_PrivateKey(key, nullptr, nullptr, nullptr);
        SSL_CTX_use_PrivateKey(impl_->ctx, k);
        EVP_PKEY_free(k);
        BIO_free(key);
    }
}

TlsClient::~TlsClient() = default;

bool TlsClient::connect(uint16_t port, Ms timeout) {
    impl_->fd = connectTcp(port, timeout);
    if (impl_->fd < 0) {
        error_ = "connect failed";
        return false;
    }
    impl_->ssl = SSL_new(impl_->ctx);
    SSL_set_fd(impl_->ssl, impl_->fd);
    if (SSL_connect(impl_->ssl) != 1) {
        char buf[256];
        ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
        error_ = buf;
        ERR_clear_error();
        closed_ = true;
        return false;
    }
    return true;
}

bool TlsClient::send(const std::string& data) {
    size_t written = 0;
    bool ok = SSL_write_ex(impl_->ssl, data.data(), data.size(), &written) == 1;
    ERR_clear_error();
    return ok && written == data.size();
}

std::string TlsClient::recv(size_t n, Ms timeout) {
    setTimeouts(impl_->fd, timeout);
    auto deadline = Clock::now() + timeout;
    std::string out;
    char buf[65536];
    while (out.size() < n && Clock::now() < deadline) {
        size_t got = 0;
        if (SSL_read_ex(impl_->ssl, buf, std::min(sizeof buf, n - out.size()), &got) != 1) {
            int err = SSL_get_error(impl_->ssl, 0);
            bool timedOut = err == SSL_ERROR_SYSCALL && (errno == EAGAIN || errno == EWOULDBLOCK);
            if (!timedOut) {
                closed_ = true;
            }
            ERR_clear_error();
            break;
        }
        out.append(buf, got);
    }
    return out;
}

LogCapture::LogCapture()
    : logger_(Logger::Level::Debug, [this](const std::string& line) {
          std::lock_guard lock(mutex_);
          lines_.push_back(line);
      }) {}

bool LogCapture::contains(const std::string& needle) const {
    return count(needle) > 0;
}

int LogCapture::count(const std::string& needle) const {
    std::lock_guard lock(mutex_);
    int n = 0;
    for (const auto& l : lines_) {
        if (l.find(needle) != std::string::npos) {
            ++n;
        }
    }
    return n;
}

std::string LogCapture::all() const {
    std::lock_guard lock(mutex_);
    std::string out;
    for (const auto& l : lines_) {
        out += l;
    }
    return out;
}

FakeAuthorizer::~FakeAuthorizer() {
    for (auto& t : threads_) {
        t.join();
    }
}

void FakeAuthorizer::authorize(const AuthorizeRequest& request, Callback done) {
    ++calls_;
    Result<AuthorizeDecision> answer = AuthorizeDecision{true, "allowed by FakeAuthorizer"};
    {
        std::lock_guard lock(mutex_);
        requests_.push_back(request);
        auto id = ServiceIdentity::parse(request.clientCertUri);
        if (!failure_.empty()) {
            answer = makeError(Code::AgentUnreachable, failure_);
        } else if (id && denied_.count(id->service) > 0) {
            answer = AuthorizeDecision{false, "Matched L4 intention: deny " + id->service};
        }
    }
    std::lock_guard lock(mutex_);
    if (held_) {
        parked_.emplace_back(std::move(done), answer);
        return;
    }
    if (inline_) {
        done(answer);
        return;
    }
    threads_.emplace_back([done = std::move(done), answer] { done(answer); });
}

void FakeAuthorizer::hold() {
    std::lock_guard lock(mutex_);
    held_ = true;
}

void FakeAuthorizer::release() {
    std::vector<std::pair<Callback, Result<AuthorizeDecision>>> parked;
    {
        std::lock_guard lock(mutex_);
        held_ = false;
        parked.swap(parked_);
    }
    for (auto& [done, answer] : parked) {
        done(answer);
    }
}

void FakeAuthorizer::deny(const std::string& service) {
    std::lock_guard lock(mutex_);
    denied_.insert(service);
}

void FakeAuthorizer::allow(const std::string& service) {
    std::lock_guard lock(mutex_);
    denied_.erase(service);
}

void FakeAuthorizer::failWith(const std::string& error) {
    std::lock_guard lock(mutex_);
    failure_ = error;
}

std::vector<AuthorizeRequest> FakeAuthorizer::requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
}

namespace {

class FakeWatch : public DiscoveryWatch {
  public:
    FakeWatch(std::shared_ptr<FakeDiscovery::Shared> shared, std::string name, int id)
        : shared_(std::move(shared)), name_(std::move(name)), id_(id) {}
    ~FakeWatch() override {
        std::lock_guard lock(shared_->mutex);
        auto range = shared_->watches.equal_range(name_);
        for (auto it = range.first; it != range.second; ++it) {
            if (it->second.first == id_) {
                shared_->watches.erase(it);
                break;
            }
        }
    }

  private:
    std::shared_ptr<FakeDiscovery::Shared> shared_;
    std::string name_;
    int id_;
};

}  // namespace

std::unique_ptr<DiscoveryWatch> FakeDiscovery::watch(const UpstreamConfig& upstream,
                                                     Update update) {
    std::lock_guard lock(shared_->mutex);
    int id = ++shared_->nextId;
    auto it = shared_->instances.find(upstream.destinationName);
    if (it != shared_->instances.end()) {
        update(it->second);
    }
    shared_->watches.emplace(upstream.destinationName, std::make_pair(id, std::move(update)));
    return std::make_unique<FakeWatch>(shared_, upstream.destinationName, id);
}

void FakeDiscovery::set(const std::string& name, std::vector<UpstreamInstance> instances) {
    std::lock_guard lock(shared_->mutex);
    shared_->instances[name] = instances;
    auto range = shared_->watches.equal_range(name);
    for (auto it = range.first; it != range.second; ++it) {
        it->second.second(instances);
    }
}

int FakeDiscovery::activeWatches() const {
    std::lock_guard lock(shared_->mutex);
    return static_cast<int>(shared_->watches.size());
}

UpstreamInstance instanceAt(const std::string& id, uint16_t port, const std::string& service) {
    UpstreamInstance inst;
    inst.id = id;
    inst.address = *SocketAddress::resolve("127.0.0.1", port);
    inst.identity.service = service;
    inst.identity.datacenter = "dc1";
    return inst;
}

}  // namespace meshx::proxy::testing
