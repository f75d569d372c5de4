#include "fake_consul_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstring>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace {

const char* reason(int status) {
    switch (status) {
        case 200:
            return "OK";
        case 400:
            return "Bad Request";
        case 403:
            return "Forbidden";
        case 404:
            return "Not Found";
        case 429:
            return "Too Many Requests";
        case 500:
            return "Internal Server Error";
        case 503:
            return "Service Unavailable";
        default:
            return "Status";
    }
}

// One accepted connection, plain or TLS.
struct Conn {
    int fd = -1;
    SSL* ssl = nullptr;

    ssize_t read(char* buf, std::size_t n) {
        if (ssl) {
            return SSL_read(ssl, buf, static_cast<int>(n));
        }
        return ::recv(fd, buf, n, 0);
    }
    bool write(const std::string& data) {
        std::size_t off = 0;
        while (off < data.size()) {
            ssize_t n = ssl ? SSL_write(ssl, data.data() + off, static_cast<int>(data.size() - off))
                            : ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
            if (n <= 0) {
                return false;
            }
            off += static_cast<std::size_t>(n);
        }
        return true;
    }
    bool pending() const { return ssl && SSL_pending(ssl) > 0; }
    void close() {
        if (ssl) {
            SSL_free(ssl);
            ssl = nullptr;
        }
        if (fd >= 0) {
            ::close(fd);
            fd = -1;
        }
    }
};

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == ' ' || s.back() == '\r')) {
        s.pop_back();
    }
    std::size_t i = 0;
    while (i < s.size() && s[i] == ' ') {
        ++i;
    }
    return s.substr(i);
}

}  // namespace

std::string FakeRequest::param(const std::string& name) const {
    std::size_t pos = 0;
    while (pos <= query.size()) {
        auto amp = query.find('&', pos);
        std::string item =
            query.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
        auto eq = item.find('=');
        if (item.substr(0, eq) == name) {
            return eq == std::string::npos ? std::string() : item.substr(eq + 1);
        }
        if (amp == std::string::npos) {
            break;
        }
        pos = amp + 1;
    }
    return {};
}

bool FakeRequest::hasParam(const std::string& name) const {
    std::size_t pos = 0;
    while (pos <= query.size()) {
        auto amp = query.find('&', pos);
        std::string item =
            query.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
        if (item.substr(0, item.find('=')) == name) {
            return true;
        }
        if (amp == std::string::npos) {
            break;
        }
        pos = amp + 1;
    }
    return false;
}

FakeReply FakeReply::json(const nlohmann::json& body, int status, int64_t index) {
    FakeReply r;
    r.status = status;
    r.body = body.dump();
    r.headers.emplace_back("Content-Type", "application/json");
    if (index >= 0) {
        r.headers.emplace_back("X-Consul-Index", std::to_string(index));
    }
    return r;
}

FakeReply FakeReply::text(int status, std::string body) {
    FakeReply r;
    r.status = status;
    r.body = std::move(body);
    r.headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
    return r;
}

FakeConsulServer::FakeConsulServer(Handler handler) : handler_(std::move(handler)) {
    // Replies to a client that already hung up must not kill the test binary.
    std::signal(SIGPIPE, SIG_IGN);
    if (::pipe2(stopPipe_, O_CLOEXEC) != 0) {
        stopPipe_[0] = stopPipe_[1] = -1;
    }
}

FakeConsulServer::~FakeConsulServer() {
    stopping_ = true;
    if (stopPipe_[1] >= 0) {
        (void)!::write(stopPipe_[1], "x", 1);
    }
    if (acceptThread_.joinable()) {
        acceptThread_.join();
    }
    std::vector<std::thread> threads;
    {
        std::lock_guard lock(mutex_);
        threads.swap(threads_);
    }
    for (auto& t : threads) {
        t.join();
    }
    if (listenFd_ >= 0) {
        ::close(listenFd_);
    }
    for (int fd : stopPipe_) {
        if (fd >= 0) {
            ::close(fd);
        }
    }
    if (!unixPath_.empty()) {
        ::unlink(unixPath_.c_str());
    }
    if (tls_) {
        SSL_CTX_free(tls_);
    }
}

void FakeConsulServer::setHandler(Handler handler) {
    std::lock_guard lock(mutex_);
    handler_ = std::move(handler);
}

std::vector<FakeRequest> FakeConsulServer::requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
}

std::size_t FakeConsulServer::requestCount() const {
    std::lock_guard lock(mutex_);
    return requests_.size();
}

bool FakeConsulServer::listenTcp() {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return false;
    }
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = 0;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        return false;
    }
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    return startAccepting(fd);
}

bool FakeConsulServer::listenUnix(const std::string& path) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return false;
    }
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof addr.sun_path) {
        ::close(fd);
        return false;
    }
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    ::unlink(path.c_str());
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        return false;
    }
    unixPath_ = path;
    return startAccepting(fd);
}

bool FakeConsulServer::enableTls(const std::string& certFile, const std::string& keyFile,
                                 const std::string& clientCa) {
    tls_ = SSL_CTX_new(TLS_server_method());
    if (!tls_ || SSL_CTX_use_certificate_chain_file(tls_, certFile.c_str()) != 1 ||
        SSL_CTX_use_PrivateKey_file(tls_, keyFile.c_str(), SSL_FILETYPE_PEM) != 1) {
        return false;
    }
    if (!clientCa.empty()) {
        if (SSL_CTX_load_verify_locations(tls_, clientCa.c_str(), nullptr) != 1) {
            return false;
        }
        SSL_CTX_set_verify(tls_, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
    }
    return true;
}

bool FakeConsulServer::startAccepting(int fd) {
    if (::listen(fd, 64) != 0) {
        ::close(fd);
        return false;
    }
    listenFd_ = fd;
    acceptThread_ = std::thread([this] { acceptLoop(); });
    return true;
}

bool FakeConsulServer::waitStopOrReadable(int fd, int timeoutMs, bool* readable) const {
    pollfd fds[2] = {{stopPipe_[0], POLLIN, 0}, {fd, POLLIN, 0}};
    int n = ::poll(fds, fd >= 0 ? 2 : 1, timeoutMs);
    if (stopping_ || (n > 0 && (fds[0].revents & POLLIN))) {
        return false;
    }
    *readable = n > 0 && fd >= 0 && fds[1].revents != 0;
    return true;
}

void FakeConsulServer::acceptLoop() {
    for (;;) {
        bool readable = false;
        if (!waitStopOrReadable(listenFd_, -1, &readable)) {
            return;
        }
        if (!readable) {
            continue;
        }
        int fd = ::accept4(listenFd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) {
            continue;
        }
        const int connection = ++accepted_;
        std::lock_guard lock(mutex_);
        threads_.emplace_back([this, fd, connection] { serve(fd, connection); });
    }
}

void FakeConsulServer::serve(int fd, int connection) {
    Conn c;
    c.fd = fd;
    std::string subject;
    if (tls_) {
        // A client that never finishes the handshake must not pin this thread forever.
        timeval tv{5, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        c.ssl = SSL_new(tls_);
        SSL_set_fd(c.ssl, fd);
        if (SSL_accept(c.ssl) != 1) {
            c.close();
            return;
        }
        if (X509* peer = SSL_get1_peer_certificate(c.ssl)) {
            char buf[256] = {0};
            X509_NAME_oneline(X509_get_subject_name(peer), buf, sizeof buf);
            subject = buf;
            X509_free(peer);
        }
    }
    std::string buf;
    char chunk[16384];
    auto fill = [&]() -> bool {
        if (!c.pending()) {
            bool readable = false;
            if (!waitStopOrReadable(fd, -1, &readable)) {
                return false;
            }
        }
        ssize_t n = c.read(chunk, sizeof chunk);
        if (n <= 0) {
            return false;
        }
        buf.append(chunk, static_cast<std::size_t>(n));
        return true;
    };
    for (;;) {
        std::size_t headEnd;
        while ((headEnd = buf.find("\r\n\r\n")) == std::string::npos) {
            if (!fill()) {
                c.close();
                return;
            }
        }
        FakeRequest req;
        req.connection = connection;
        req.clientCertSubject = subject;
        req.arrived = std::chrono::steady_clock::now();
        std::string head = buf.substr(0, headEnd);
        std::size_t lineEnd = head.find("\r\n");
        std::string requestLine = head.substr(0, lineEnd);
        auto sp1 = requestLine.find(' ');
        auto sp2 = requestLine.rfind(' ');
        req.method = requestLine.substr(0, sp1);
        req.target = requestLine.substr(sp1 + 1, sp2 - sp1 - 1);
        auto q = req.target.find('?');
        req.path = req.target.substr(0, q);
        req.query = q == std::string::npos ? std::string() : req.target.substr(q + 1);
        std::size_t pos = lineEnd == std::string::npos ? head.size() : lineEnd + 2;
        while (pos < head.size()) {
            auto next = head.find("\r\n", pos);
            std::string line =
                head.substr(pos, next == std::string::npos ? std::string::npos : next - pos);
            auto colon = line.find(':');
            if (colon != std::string::npos) {
                req.headers[lower(line.substr(0, colon))] = trim(line.substr(colon + 1));
            }
            if (next == std::string::npos) {
                break;
            }
            pos = next + 2;
        }
        buf.erase(0, headEnd + 4);
        const std::size_t length =
            req.hasHeader("content-length") ? std::stoul(req.header("content-length")) : 0;
        while (buf.size() < length) {
            if (!fill()) {
                c.close();
                return;
            }
        }
        req.body = buf.substr(0, length);
        buf.erase(0, length);

        Handler handler;
        {
            std::lock_guard lock(mutex_);
            requests_.push_back(req);
            handler = handler_;
        }
        FakeReply reply = handler(req);
        if (reply.drop) {
            c.close();
            return;
        }
        if (reply.hold) {
            for (;;) {
                bool readable = false;
                if (!waitStopOrReadable(fd, -1, &readable)) {
                    c.close();
                    return;
                }
                if (readable && c.read(chunk, sizeof chunk) <= 0) {
                    ++hangups_;
                    c.close();
                    return;
                }
            }
        }
        if (reply.delay.count() > 0) {
            bool readable = false;
            if (!waitStopOrReadable(-1, static_cast<int>(reply.delay.count()), &readable)) {
                c.close();
                return;
            }
        }
        std::string out =
            "HTTP/1.1 " + std::to_string(reply.status) + " " + reason(reply.status) + "\r\n";
        for (const auto& [name, value] : reply.headers) {
            out += name + ": " + value + "\r\n";
        }
        out += "Content-Length: " + std::to_string(reply.body.size()) + "\r\n\r\n";
        out += reply.body;
        if (!c.write(out) || lower(req.header("connection")) == "close") {
            c.close();
            return;
        }
    }
}
