#pragma once

// A deliberately fake HTTP/1.1 server for ConsulClient's transport tests. It exists to inject
// what the real dev agent cannot produce on demand: 5xx and 403 bodies, slow or never-ending
// replies, dropped connections, a unix-socket listener, TLS with client certificates, and
// indexes that go backwards. Anything the real agent can do is tested against the real agent
// (tests/integration/consul/).
//
// Runs on its own threads (the client under test blocks the test thread); the handler is called
// on a connection thread, so it must be thread-safe.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

typedef struct ssl_ctx_st SSL_CTX;

struct FakeRequest {
    std::string method;
    std::string target;  // raw, as sent: "/v1/agent/service/ttl%3Aweb?index=5"
    std::string path;    // target before '?'
    std::string query;   // target after '?'
    std::map<std::string, std::string> headers;  // lower-case names
    std::string body;
    std::string clientCertSubject;  // TLS with client certs only
    int connection = 0;             // 1-based accept order
    std::chrono::steady_clock::time_point arrived;

    bool hasHeader(const std::string& name) const { return headers.count(name) > 0; }
    std::string header(const std::string& name) const {
        auto it = headers.find(name);
        return it == headers.end() ? std::string() : it->second;
    }
    // Raw (still encoded) value of a query parameter; "" when absent.
    std::string param(const std::string& name) const;
    bool hasParam(const std::string& name) const;
};

struct FakeReply {
    int status = 200;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
    std::chrono::milliseconds delay{0};  // a slow agent: reply after this long
    bool hold = false;  // never reply: wait until the client hangs up or the server stops
    bool drop = false;  // close the connection without a reply

    static FakeReply json(const nlohmann::json& body, int status = 200, int64_t index = -1);
    static FakeReply text(int status, std::string body);
};

class FakeConsulServer {
  public:
    using Handler = std::function<FakeReply(const FakeRequest&)>;

    explicit FakeConsulServer(Handler handler);
    ~FakeConsulServer();
    FakeConsulServer(const FakeConsulServer&) = delete;
    FakeConsulServer& operator=(const FakeConsulServer&) = delete;

    // Call one of these, once, before use. TLS: call enableTls first.
    bool listenTcp();  // 127.0.0.1, port 0
    bool listenUnix(const std::string& path);
    // Serve TLS with this certificate; with `clientCa`, require a client certificate from it.
    bool enableTls(const std::string& certFile, const std::string& keyFile,
                   const std::string& clientCa = {});

    uint16_t port() const { return port_; }
    void setHandler(Handler handler);
    std::vector<FakeRequest> requests() const;
    std::size_t requestCount() const;
    int connectionsAccepted() const { return accepted_.load(); }
    // Connections whose client went away while the server held the reply (cancel tests).
    int clientHangups() const { return hangups_.load(); }

  private:
    bool startAccepting(int fd);
    void acceptLoop();
    void serve(int fd, int connection);
    bool waitStopOrReadable(int fd, int timeoutMs, bool* readable) const;

    Handler handler_;
    mutable std::mutex mutex_;
    std::vector<FakeRequest> requests_;
    std::vector<std::thread> threads_;
    std::thread acceptThread_;
    int listenFd_ = -1;
    int stopPipe_[2] = {-1, -1};
    uint16_t port_ = 0;
    std::string unixPath_;
    SSL_CTX* tls_ = nullptr;
    std::atomic<int> accepted_{0};
    std::atomic<int> hangups_{0};
    std::atomic<bool> stopping_{false};
};
