#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace meshx::agent {

// What clients send to /agent/service/register and /agent/check/register, decoded (Consul's
// structs.ServiceDefinition, CheckType, CheckDefinition). Plain data; no invariants enforced here.

struct Weights {
    int64_t passing = 1;
    int64_t warning = 1;
    bool operator==(const Weights&) const = default;
};

struct TaggedAddress {
    std::string address;
    int64_t port = 0;
    bool operator==(const TaggedAddress&) const = default;
};

struct Upstream {
    std::string destinationType;  // "service" when empty at registration
    std::string destinationNamespace;
    std::string destinationPartition;
    std::string destinationPeer;
    std::string destinationName;
    std::string datacenter;
    std::string localBindAddress;
    int64_t localBindPort = 0;
    std::string localBindSocketPath;
    std::string localBindSocketMode;
    nlohmann::json config;                                  // map or null
    nlohmann::json meshGateway = nlohmann::json::object();  // {"Mode":...}
    bool centrallyConfigured = false;
    bool operator==(const Upstream&) const = default;
};

struct ProxyConfig {
    std::string destinationServiceName;
    std::string destinationServiceId;
    std::string localServiceAddress;
    int64_t localServicePort = 0;
    std::string localServiceSocketPath;
    std::string mode;
    nlohmann::json transparentProxy;  // object or null
    nlohmann::json config;            // map or null
    std::vector<Upstream> upstreams;
    nlohmann::json meshGateway = nlohmann::json::object();
    nlohmann::json expose = nlohmann::json::object();
    bool operator==(const ProxyConfig&) const = default;
};

// One health check's definition (CheckType), also the flattened part of a CheckDefinition.
struct CheckType {
    std::string checkId;  // CheckID inside a service; ID at /agent/check/register
    std::string name;
    std::string status;
    std::string notes;
    std::vector<std::string> scriptArgs;
    std::string http;
    std::map<std::string, std::vector<std::string>> header;
    std::string method;
    std::string body;
    bool disableRedirects = false;
    std::string tcp;
    bool tcpUseTls = false;
    std::string udp;
    std::string grpc;
    bool grpcUseTls = false;
    std::string h2ping;
    bool h2pingUseTls = false;
    std::string osService;
    std::string aliasNode;
    std::string aliasService;
    std::string dockerContainerId;
    std::string shell;
    std::string tlsServerName;
    bool tlsSkipVerify = false;
    std::chrono::nanoseconds interval{0};
    std::chrono::nanoseconds timeout{0};
    std::chrono::nanoseconds ttl{0};
    std::chrono::nanoseconds deregisterCriticalServiceAfter{0};
    int64_t successBeforePassing = 0;
    int64_t failuresBeforeWarning = 0;
    int64_t failuresBeforeCritical = 0;
    int64_t outputMaxSize = 0;

    // CheckDefinition only (/agent/check/register).
    std::string serviceId;
    std::string token;

    bool isTtl() const { return ttl.count() > 0; }
    bool isScript() const { return !scriptArgs.empty() && dockerContainerId.empty(); }
    bool isAlias() const { return !aliasNode.empty() || !aliasService.empty(); }
    // ttl, http, tcp, udp, grpc, alias, script, docker, h2ping, os_service, or "" when none.
    std::string type() const;
    bool empty() const;
    bool operator==(const CheckType&) const = default;
};

struct ServiceDefinition {
    std::string kind;
    std::string id;
    std::string name;
    std::optional<std::vector<std::string>> tags;
    std::string address;
    std::map<std::string, TaggedAddress> taggedAddresses;
    std::optional<std::map<std::string, std::string>> meta;
    int64_t port = 0;
    std::string socketPath;
    std::vector<CheckType> checks;  // `Check` (when not empty) then `Checks`
    std::optional<Weights> weights;
    std::string token;
    bool enableTagOverride = false;
    std::optional<ProxyConfig> proxy;
    bool connectNative = false;
    std::shared_ptr<ServiceDefinition> sidecarService;  // Connect.SidecarService
};

}  // namespace meshx::agent
