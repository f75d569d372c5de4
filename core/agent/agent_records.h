#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "agent/service_definition.h"

namespace meshx::agent {

// The one node of the dev agent (§3 of the reference).
struct NodeInfo {
    std::string id;    // UUID
    std::string name;  // node name
    std::string address = "127.0.0.1";
    std::string datacenter = "dc1";
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

}  // namespace meshx::agent
