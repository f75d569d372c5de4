#include "test_sidecar.h"

#include <thread>

namespace meshx::proxy::testing {

TestSidecar::TestSidecar(const TestCa& ca, const std::string& service,
                         std::shared_ptr<FakeDiscovery> disc, Proxy::Options options)
    : discovery(std::move(disc)) {
    config.proxyId = service + "-sidecar-proxy";
    config.proxiedServiceName = service;
    config.proxiedServiceId = service;
    config.publicBindAddress = "127.0.0.1";
    proxy = std::make_unique<Proxy>(logs.logger(), authz, discovery, options);
    proxy->start();
    proxy->setTls(ca.context(service));
}

TestSidecar::~TestSidecar() {
    proxy->shutdown(Ms(0));
}

void TestSidecar::apply(const ProxyConfig& c) {
    config = c;
    auto st = proxy->setConfig(config);
    if (!st) {
        throw std::runtime_error(st.error().message);
    }
}

uint16_t TestSidecar::servePublic(uint16_t localPort) {
    ProxyConfig c = config;
    c.publicBindPort = freePort();
    c.localServicePort = localPort;
    apply(c);
    waitListening(c.publicBindPort);
    return c.publicBindPort;
}

uint16_t TestSidecar::addUpstream(const std::string& destination) {
    ProxyConfig c = config;
    UpstreamConfig up;
    up.destinationName = destination;
    up.localBindPort = freePort();
    c.upstreams.push_back(up);
    apply(c);
    waitListening(up.localBindPort);
    return up.localBindPort;
}

bool TestSidecar::waitListening(uint16_t port, Ms timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        for (const auto& l : proxy->listeners()) {
            if (l.address.port() == port) {
                return true;
            }
        }
        std::this_thread::sleep_for(Ms(5));
    }
    return false;
}

SidecarPair::SidecarPair(const std::string& trustDomain)
    : ca(std::make_unique<TestCa>(trustDomain)),
      discovery(std::make_shared<FakeDiscovery>()),
      app(std::make_unique<EchoServer>()),
      db(std::make_unique<TestSidecar>(*ca, "db")) {
    dbPublic = db->servePublic(app->port());
    discovery->set("db", {instanceAt("db-1-sidecar-proxy", dbPublic, "db")});
    web = std::make_unique<TestSidecar>(*ca, "web", discovery);
    upstream = web->addUpstream("db");
}

SidecarPair::~SidecarPair() {
    web.reset();
    db.reset();
    app.reset();
    discovery.reset();
    ca.reset();
}

}  // namespace meshx::proxy::testing
