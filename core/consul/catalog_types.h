#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "consul/agent_types.h"

namespace meshx::consul {

// Typed views of the catalog and health endpoints (reference §3).

struct Node {
    std::string id;
    std::string node;
    std::string address;
    std::string datacenter;
    std::map<std::string, std::string> taggedAddresses;
    std::map<std::string, std::string> meta;
};

// One element of /health/service/:name and /health/connect/:name.
struct ServiceEntry {
    Node node;
    AgentService service;  // for /health/connect: the proxy
    std::vector<HealthCheck> checks;

    // Where to dial the instance: Service.Address, or the node's address when that is empty.
    std::string dialAddress() const {
        return service.address.empty() ? node.address : service.address;
    }
};

// One element of /catalog/service/:name (a flat "service node").
struct CatalogServiceNode {
    std::string id;  // node ID
    std::string node;
    std::string address;
    std::string datacenter;
    std::map<std::string, std::string> nodeMeta;
    std::string serviceKind;
    std::string serviceId;
    std::string serviceName;
    std::vector<std::string> serviceTags;
    std::string serviceAddress;
    std::map<std::string, std::string> serviceMeta;
    int servicePort = 0;
    uint64_t createIndex = 0;
    uint64_t modifyIndex = 0;
    nlohmann::json raw;
};

}  // namespace meshx::consul
