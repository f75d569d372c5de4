#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "agent/service_definition.h"

namespace meshx::agent {

// A node of the catalog: the dev agent's own (§3 of the reference) or one registered through
// /v1/catalog/register. Empty maps print as null (Go's nil map); the agent fills its own.
struct NodeInfo {
    std::string id;    // UUID ("" for a registered node that gave none)
    std::string name;  // node name
    std::string address = "127.0.0.1";
    std::string datacenter = "dc1";
    std::map<std::string, std::string> taggedAddresses;
    std::map<std::string, std::string> meta;
    uint64_t createIndex = 0;
    uint64_t modifyIndex = 0;
};

inline constexpr const char* kHealthPassing = "passing";
inline constexpr const char* kHealthWarning = "warning";
inline constexpr const char* kHealthCritical = "critical";
inline constexpr const char* kHealthMaintenance = "maintenance";

inline bool isValidCheckStatus(const std::string& s) {
    return s == kHealthPassing || s == kHealthWarning || s == kHealthCritical;
}

// A service of the local agent, mirrored as is into the catalog of its node.
struct ServiceRecord {
    std::string kind;  // "" or "connect-proxy"
    std::string id;
    std::string service;  // the name
    std::vector<std::string> tags;
    std::map<std::string, std::string> meta;
    int64_t port = 0;
    std::string address;
    std::string socketPath;
    std::map<std::string, TaggedAddress> taggedAddresses;
    Weights weights;
    bool enableTagOverride = false;
    std::optional<ProxyConfig> proxy;
    bool connectNative = false;
    std::string sidecarOf;  // parent ID when registered through Connect.SidecarService
    std::string token;      // secret; never printed
    uint64_t createIndex = 0;
    uint64_t modifyIndex = 0;
};

// A health check of the local agent (node-level when serviceId is empty).
struct CheckRecord {
    std::string checkId;
    std::string name;
    std::string status = kHealthCritical;
    std::string notes;
    std::string output;
    std::string serviceId;
    std::string serviceName;
    std::vector<std::string> serviceTags;
    std::string type;
    CheckType definition;
    uint64_t createIndex = 0;
    uint64_t modifyIndex = 0;

    // TTL checks: armed deadline (none once expired) and the last output an update recorded.
    std::optional<std::chrono::steady_clock::time_point> ttlDeadline;
    std::string lastOutput;
    // Since when the check is critical (DeregisterCriticalServiceAfter).
    std::optional<std::chrono::steady_clock::time_point> criticalSince;
};

// PUT /v1/catalog/register (structs.RegisterRequest) decoded: a node, optionally one service
// (structs.NodeService: its `Service` arrives as `name`) and checks of that node.
struct CatalogCheck {
    CheckType definition;  // checkId, name, status, notes, serviceId + the Definition fields
    std::string output;
    std::string type;  // as sent; derived from the definition when empty
};

struct CatalogRegistration {
    std::string datacenter;  // "" = the agent's own
    std::string id;
    std::string node;
    std::string address;
    std::map<std::string, std::string> taggedAddresses;
    std::map<std::string, std::string> nodeMeta;
    bool skipNodeUpdate = false;
    std::optional<ServiceDefinition> service;
    std::vector<CatalogCheck> checks;  // `Check` (when set) then `Checks`
};

// PUT /v1/catalog/deregister (structs.DeregisterRequest): the service, else the check, else
// the whole node.
struct CatalogDeregistration {
    std::string datacenter;
    std::string node;
    std::string serviceId;
    std::string checkId;
};

// A ServiceRecord from a registration, without indexes (upstream destination types defaulted).
// Pure; any thread.
ServiceRecord serviceRecordFrom(const ServiceDefinition& def);

}  // namespace meshx::agent
