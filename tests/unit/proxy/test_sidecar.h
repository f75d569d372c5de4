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

}  // namespace meshx::proxy::testing
