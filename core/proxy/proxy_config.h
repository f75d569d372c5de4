#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "common/result.h"

namespace meshx::proxy {

// One entry of Proxy.Upstreams, with Consul's defaults filled in.
struct UpstreamConfig {
    std::string destinationType = "service";  // or prepared_query (not supported yet)
    std::string destinationPartition = "default";
    std::string destinationNamespace = "default";
    std::string destinationName;
    std::string datacenter;  // empty = the agent's
    std::string localBindAddress = "127.0.0.1";
    uint16_t localBindPort = 0;
    std::string localBindSocketPath;  // not supported (Consul's proxy does not either)
    // Upstreams[].Config.connect_timeout_ms: dial + TLS handshake + identity check.
    std::chrono::milliseconds connectTimeout{10000};
    // Upstreams[].Config.meshx_turn_timing: time each request/answer turn of its connections
    // (`turn` flow events; for one-request-at-a-time protocols such as MeshxRpc).
    bool turnTiming = false;

    // `127.0.0.1:9191->service:default/default/db`, Consul's listener name for logs.
    std::string toString() const;
    // Listeners are keyed by where they bind; a change of anything else replaces the listener.
    std::string bindKey() const;

    bool operator==(const UpstreamConfig&) const = default;
};

// What the proxy needs from its own registration (`GET /v1/agent/service/<proxy id>`).
struct ProxyConfig {
    std::string proxyId;
    std::string proxiedServiceName;  // Proxy.DestinationServiceName: our identity, authz target
    std::string proxiedServiceId;    // Proxy.DestinationServiceID
    std::string publicBindAddress = "0.0.0.0";  // service Address, empty -> 0.0.0.0
    uint16_t publicBindPort = 0;                // service Port; 0 = no public listener
    std::string localServiceAddress = "127.0.0.1";
    uint16_t localServicePort = 0;
    std::chrono::milliseconds localConnectTimeout{1000};  // Config.local_connect_timeout_ms
    std::chrono::milliseconds handshakeTimeout{10000};    // Config.handshake_timeout_ms
    bool turnTiming = false;  // Config.meshx_turn_timing: time the public listener's turns
    std::vector<UpstreamConfig> upstreams;
    // Entries skipped while parsing (no LocalBindPort, socket path, unknown type), with why:
    // the caller logs them.
    std::vector<std::string> skipped;

    // Any thread. Builds the config the way Consul's proxy does (§5.1 step 4). Errors
    // (InvalidArgument): `Kind` is not `connect-proxy`, no `Proxy` object, no destination name.
    static Result<ProxyConfig> fromAgentService(const nlohmann::json& service);

    bool operator==(const ProxyConfig&) const = default;
};

}  // namespace meshx::proxy
