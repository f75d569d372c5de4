#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "common/result.h"
#include "consul/agent_types.h"
#include "consul/catalog_types.h"
#include "consul/connect_types.h"
#include "consul/response.h"

namespace meshx::consul {

// JSON -> typed views. Pure functions, any thread. Lenient where Consul versions differ
// (missing keys and nulls read as empty), strict on types: a key holding the wrong JSON type is
// ProtocolError naming the key (never its value: replies can hold private keys).

Result<AgentSelf> decodeAgentSelf(const nlohmann::json& json);
Result<AgentService> decodeAgentService(const nlohmann::json& json);
Result<std::map<std::string, AgentService>> decodeAgentServices(const nlohmann::json& json);
Result<HealthCheck> decodeHealthCheck(const nlohmann::json& json);
Result<std::map<std::string, HealthCheck>> decodeAgentChecks(const nlohmann::json& json);
// An array of checks (/health/checks/:service, /health/state/:state, /health/node/:node).
Result<std::vector<HealthCheck>> decodeHealthChecks(const nlohmann::json& json);
// These two read the HTTP status too (it is part of the answer) and accept the plain-text
// bodies of older agents' 404s.
Result<AgentServiceHealth> decodeAgentServiceHealth(const Response& response);
Result<AgentServicesHealth> decodeAgentServicesHealth(const Response& response);

Result<std::map<std::string, std::vector<std::string>>> decodeCatalogServices(
    const nlohmann::json& json);
Result<std::vector<CatalogServiceNode>> decodeCatalogService(const nlohmann::json& json);
Result<std::vector<ServiceEntry>> decodeServiceEntries(const nlohmann::json& json);
// /catalog/nodes
Result<std::vector<Node>> decodeNodes(const nlohmann::json& json);
// /catalog/datacenters
Result<std::vector<std::string>> decodeStrings(const nlohmann::json& json);

Result<CaRoots> decodeCaRoots(const nlohmann::json& json);
Result<LeafCert> decodeLeafCert(const nlohmann::json& json);
Result<AuthorizeResult> decodeAuthorize(const nlohmann::json& json);
Result<Intention> decodeIntention(const nlohmann::json& json);
Result<std::vector<Intention>> decodeIntentions(const nlohmann::json& json);
Result<std::map<std::string, std::vector<Intention>>> decodeIntentionMatch(
    const nlohmann::json& json);

// Aggregate status word -> the agent health endpoints' status code (passing 200, warning 429,
// critical/maintenance 503), and back.
int healthStatusCode(const std::string& aggregatedStatus);
std::string healthStatusWord(int httpStatus);

}  // namespace meshx::consul
