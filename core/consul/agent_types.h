#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace meshx::consul {

// Typed views of the agent endpoints' JSON (reference §2). Each keeps the fields the engine,
// proxy and console read; `raw` keeps the whole object for anything else (and for MX's
// read-modify-register of a sidecar, see AgentService::toRegistration).

struct AgentSelf {
    std::string datacenter;  // Config.Datacenter
    std::string nodeName;    // Config.NodeName
    std::string nodeId;      // Config.NodeID
    std::string version;     // Config.Version
    nlohmann::json raw;
};

struct Upstream {
    std::string destinationType;  // "service" (default) or "prepared_query"
    std::string destinationName;
    std::string destinationNamespace;
    std::string datacenter;
    std::string localBindAddress;
    int localBindPort = 0;
    std::string localBindSocketPath;
    nlohmann::json config = nlohmann::json::object();  // e.g. connect_timeout_ms
};

struct ProxyConfig {
    std::string destinationServiceName;
    std::string destinationServiceId;
    std::string localServiceAddress;
    int localServicePort = 0;
    std::string localServiceSocketPath;
    std::string mode;
    nlohmann::json config = nlohmann::json::object();  // Proxy.Config, a free map
    std::vector<Upstream> upstreams;
};

// An agent service (/agent/services values, /agent/service/:id, health entries' Service).
struct AgentService {
    std::string kind;  // "" for typical services, "connect-proxy" for sidecars
    std::string id;
    std::string service;  // the name ("Service" here, "Name" when registering)
    std::vector<std::string> tags;
    std::map<std::string, std::string> meta;
    int port = 0;
    std::string address;
    std::string socketPath;
    int weightPassing = 1;
    int weightWarning = 1;
    bool enableTagOverride = false;
    // Present when the reply has a non-null Proxy object: sidecars, and every health-entry
    // Service (Consul fills an empty Proxy there); check `kind` before trusting it.
    std::optional<ProxyConfig> proxy;
    bool connectNative = false;
    std::string datacenter;
    std::string contentHash;  // /agent/service/:id only
    uint64_t createIndex = 0;
    uint64_t modifyIndex = 0;
    nlohmann::json raw;

    // `raw` made fit for PUT /agent/service/register: output-only keys dropped (ContentHash,
    // Datacenter, Service, CreateIndex, ModifyIndex, PeerName: Consul rejects unknown fields,
    // §1.4) and `Name` set. MX edits Proxy.Upstreams this way.
    nlohmann::json toRegistration() const;
};

struct HealthCheck {
    std::string node;
    std::string checkId;
    std::string name;
    std::string status;  // passing, warning, critical, maintenance
    std::string notes;
    std::string output;
    std::string serviceId;
    std::string serviceName;
    std::vector<std::string> serviceTags;
    std::string type;  // "ttl", "tcp", ... ("" on the agent health endpoints)
    uint64_t createIndex = 0;
    uint64_t modifyIndex = 0;
};

// GET /agent/health/service/id/:id. The HTTP status is the answer (200 passing, 429 warning,
// 503 critical or maintenance, 404 unknown id), so it is kept next to the aggregate.
struct AgentServiceHealth {
    int httpStatus = 0;
    std::string aggregatedStatus;
    std::optional<AgentService> service;  // empty on 404
    std::vector<HealthCheck> checks;

    bool passing() const { return httpStatus == 200; }
    bool found() const { return httpStatus != 404; }
};

// GET /agent/health/service/name/:name: one entry per local instance; `httpStatus` is the worst
// over them (404 when there is none) and `aggregatedStatus` the matching word.
struct AgentServicesHealth {
    int httpStatus = 0;
    std::string aggregatedStatus;
    std::vector<AgentServiceHealth> instances;  // each with its own status-derived httpStatus
};

}  // namespace meshx::consul
