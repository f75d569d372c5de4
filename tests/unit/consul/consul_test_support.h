#pragma once

// Shared by the ConsulClient unit tests: client construction against a FakeConsulServer, and a
// deadline-bounded wait that needs no event loop.

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "common/mesh_config.h"
#include "consul/consul_client.h"
#include "meshx_test.h"

namespace consul_test {

inline meshx::MeshConfig httpConfig(uint16_t port, std::string token = {}) {
    meshx::MeshConfig config;
    config.agent.scheme = meshx::AgentEndpoint::Scheme::Http;
    config.agent.host = "127.0.0.1";
    config.agent.port = port;
    config.token = std::move(token);
    return config;
}

inline std::unique_ptr<meshx::consul::ConsulClient> makeClient(
    const meshx::MeshConfig& config, meshx::consul::ClientOptions options = {}) {
    auto client = meshx::consul::ConsulClient::create(config, options);
    return client ? std::move(*client) : nullptr;
}

// Polls `done` until it holds or `timeout` passes; for conditions set by other threads when
// no Qt event loop is involved (QTRY_* covers the rest).
inline bool waitFor(const std::function<bool()>& done,
                    std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
        if (std::chrono::steady_clock::now() > deadline) {
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return true;
}

using meshx::test::msSince;

}  // namespace consul_test
