#pragma once

#include <memory>
#include <string>

#include "proxy/proxy.h"
#include "proxy_test_support.h"
#include "test_certificates.h"

namespace meshx::proxy::testing {

// One in-process sidecar for `service`: a real Proxy (own loop thread, real sockets) with fake
// authorization and discovery, certificates from `ca`, logs captured.
class TestSidecar {
  public:
    TestSidecar(const TestCa& ca, const std::string& service,
                std::shared_ptr<FakeDiscovery> discovery = std::make_shared<FakeDiscovery>(),
                Proxy::Options options = {});
    ~TestSidecar();

    // Public listener on a fresh port in front of 127.0.0.1:localPort; waits until it listens.
    uint16_t servePublic(uint16_t localPort);
    // Adds an upstream listener for `destination` on a fresh port; waits until it listens.
    uint16_t addUpstream(const std::string& destination);
    // Applies `config` as is.
    void apply(const ProxyConfig& config);
    // Waits until a listener on `port` is open (true) or `timeout` passed.
    bool waitListening(uint16_t port, Ms timeout = Ms(5000));

    LogCapture logs;
    std::shared_ptr<FakeAuthorizer> authz = std::make_shared<FakeAuthorizer>();
    std::shared_ptr<FakeDiscovery> discovery;
    ProxyConfig config;
    std::unique_ptr<Proxy> proxy;
};

// The two-hop path most relay tests start from, built in order and torn down in reverse:
//
//   client ──▶ web's upstream "db" (port `upstream`) ──mTLS──▶ db's public listener
//              (port `dbPublic`) ──▶ `app`, an echo server
//
// Discovery answers "db" with db's sidecar; `upstream` or `dbPublic` is 0 when it failed to
// listen (the test checks).
struct SidecarPair {
    explicit SidecarPair(const std::string& trustDomain);
    ~SidecarPair();

    std::unique_ptr<TestCa> ca;
    std::shared_ptr<FakeDiscovery> discovery;
    std::unique_ptr<EchoServer> app;
    std::unique_ptr<TestSidecar> db;
    std::unique_ptr<TestSidecar> web;
    uint16_t dbPublic = 0;
    uint16_t upstream = 0;
};

}  // namespace meshx::proxy::testing
