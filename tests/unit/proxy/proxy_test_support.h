#pragma once

// Real sockets and small fakes for the proxy's unit tests: a poll() echo server, blocking
// clients with deadlines, a log capture, and fakes for the two seams that talk to the agent
// (authorization and discovery) — named Fake* because they are.

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "proxy/authorizer.h"
#include "proxy/discovery.h"
#include "proxy/logger.h"
#include "proxy/tls_context.h"

namespace meshx::proxy::testing {

using Ms = std::chrono::milliseconds;

// Echoes every byte back; on the client's end of stream it finishes echoing, then shuts its own
// write side (so half-close is observable end to end) and closes.
class EchoServer {
  public:
    EchoServer();
    ~EchoServer();
    uint16_t port() const { return port_; }
    int accepted() const { return accepted_.load(); }
    // Bytes received per connection, in accept order (when each connection ended).
    int closedConnections() const { return closed_.load(); }

  private:
    void run();
    int listenFd_ = -1;
    int wakeFd_ = -1;
    uint16_t port_ = 0;
    std::atomic<int> accepted_{0};
    std::atomic<int> closed_{0};
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

// Blocking helpers on raw fds; every wait is bounded by `timeout`.
int connectTcp(uint16_t port, Ms timeout = Ms(5000));
bool sendAll(int fd, const std::string& data);
// Reads until `n` bytes arrived, EOF, error or timeout; returns what arrived.
std::string recvN(int fd, size_t n, Ms timeout = Ms(5000));
// Reads until EOF (true) or timeout/error (false); appends bytes to *out when given.
bool recvUntilEof(int fd, Ms timeout = Ms(5000), std::string* out = nullptr);
// True when the peer closed or reset the connection within `timeout` (bytes are discarded).
bool waitClosed(int fd, Ms timeout = Ms(5000));
// One request/response over a fresh connection; "" when it was refused or closed early.
std::string roundTrip(uint16_t port, const std::string& payload, Ms timeout = Ms(5000));
// True when nothing listens on `port` (a connection that still got in is closed again, so it
// cannot keep a session alive).
bool refused(uint16_t port);
// Number of open descriptors of this process.
int openFdCount();
// A port that was free a moment ago (bind port 0, read it, close): for configs where 0 means
// "no listener", as in Consul's.
uint16_t freePort();

// A TLS client on a blocking socket (with timeouts), for talking to a public listener directly.
class TlsClient {
  public:
    // `material` empty certChainPem = present no client certificate. Trusts material.rootsPem.
    explicit TlsClient(const TlsMaterial& material);
    ~TlsClient();
    // Connects and completes the handshake; false with error() on failure.
    bool connect(uint16_t port, Ms timeout = Ms(5000));
    bool send(const std::string& data);
    // Up to n bytes within timeout; stops early on EOF/error (then closed() is true).
    std::string recv(size_t n, Ms timeout = Ms(5000));
    bool closed() const { return closed_; }
    const std::string& error() const { return error_; }

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    bool closed_ = false;
    std::string error_;
};

// Collects log lines.
class LogCapture {
  public:
    LogCapture();
    Logger& logger() { return logger_; }
    bool contains(const std::string& needle) const;
    int count(const std::string& needle) const;
    std::string all() const;

  private:
    mutable std::mutex mutex_;
    std::vector<std::string> lines_;
    Logger logger_;
};

// Allows everyone except the service names in `deny`; answers from its own thread (like an HTTP
// client would) unless `inline` is set.
class FakeAuthorizer : public Authorizer {
  public:
    explicit FakeAuthorizer(bool answerInline = false) : inline_(answerInline) {}
    ~FakeAuthorizer() override;
    void authorize(const AuthorizeRequest& request, Callback done) override;
    void deny(const std::string& service);
    void allow(const std::string& service);
    void failWith(const std::string& error);  // every call returns this Error
    // While held, answers wait until release() (to observe a connection mid-authorization).
    void hold();
    void release();
    int calls() const { return calls_.load(); }
    std::vector<AuthorizeRequest> requests() const;

  private:
    bool inline_;
    mutable std::mutex mutex_;
    std::set<std::string> denied_;
    std::string failure_;
    std::vector<AuthorizeRequest> requests_;
    std::vector<std::thread> threads_;
    std::atomic<int> calls_{0};
    bool held_ = false;
    std::vector<std::pair<Callback, Result<AuthorizeDecision>>> parked_;
};

// Instances per destination name, pushed to live watches on set().
class FakeDiscovery : public Discovery {
  public:
    std::unique_ptr<DiscoveryWatch> watch(const UpstreamConfig& upstream, Update update) override;
    void set(const std::string& name, std::vector<UpstreamInstance> instances);
    int activeWatches() const;

    struct Shared {
        std::mutex mutex;
        std::map<std::string, std::vector<UpstreamInstance>> instances;
        std::multimap<std::string, std::pair<int, Update>> watches;
        int nextId = 0;
    };

  private:
    std::shared_ptr<Shared> shared_ = std::make_shared<Shared>();
};

// An instance of `service` whose sidecar listens on 127.0.0.1:port.
UpstreamInstance instanceAt(const std::string& id, uint16_t port, const std::string& service);

}  // namespace meshx::proxy::testing
