#pragma once

#include "agent/agent_config.h"
#include "agent/agent_log.h"
#include "agent/agent_state.h"
#include "agent/blocking_registry.h"
#include "agent/index_table.h"

namespace meshx::agent {

class IntentionStore;
class KvStore;
class LeafCertificates;

// What the route handlers work with: the parts of one running agent. Plain references; the
// agent core owns them all and outlives every handler. Agent thread only.
struct AgentServices {
    const AgentConfig& config;
    AgentState& state;
    IndexTable& indexes;
    BlockingRegistry& blocking;
    IntentionStore& intentions;
    KvStore& kv;
    LeafCertificates& leaves;
    AgentLog& log;
};

class ApiRouter;

// Each routes_*.cpp registers one area of the API.
void addAgentRoutes(ApiRouter& router, AgentServices& services);
void addCheckRoutes(ApiRouter& router, AgentServices& services);
void addCatalogRoutes(ApiRouter& router, AgentServices& services);
void addHealthRoutes(ApiRouter& router, AgentServices& services);
void addConnectRoutes(ApiRouter& router, AgentServices& services);
void addIntentionRoutes(ApiRouter& router, AgentServices& services);
void addKvRoutes(ApiRouter& router, AgentServices& services);

}  // namespace meshx::agent
