#pragma once

#include <QObject>

#include <memory>

#include "agent/agent_config.h"
#include "agent/agent_log.h"
#include "agent/agent_records.h"
#include "agent/ca/connect_ca.h"
#include "agent/clock.h"
#include "net/address.h"

namespace meshx::agent {

class AgentState;
class ApiRouter;
class BlockingRegistry;
class CheckRunner;
class HttpServer;
class IndexTable;
class IntentionStore;
class KvStore;
class LeafCertificates;
class TtlTimer;
struct AgentServices;

// Everything of one running agent, wired together: state, stores, CA, blocking registry,
// routes, HTTP server, probes and TTL timer. Lives on the agent thread: construct, use and
// destroy it there (DevAgent does that).
class AgentCore : public QObject {
    Q_OBJECT

  public:
    // `ca` may be null (then the Connect endpoints answer 500).
    AgentCore(AgentConfig config, AgentLog& log, const Clock& clock, std::unique_ptr<ConnectCa> ca,
              QObject* parent = nullptr);
    ~AgentCore() override;

    Result<net::Address> listen(const net::Address& address);
    // Stops serving: closes the listener and every connection (parked queries end).
    void shutdown();

    const NodeInfo& node() const;
    std::string trustDomain() const;
    size_t parkedQueries() const;

  private:
    AgentConfig config_;
    AgentLog& log_;
    const Clock& clock_;
    std::unique_ptr<ConnectCa> ca_;
    std::unique_ptr<IndexTable> indexes_;
    std::unique_ptr<AgentState> state_;
    std::unique_ptr<IntentionStore> intentions_;
    std::unique_ptr<KvStore> kv_;
    BlockingRegistry* blocking_ = nullptr;  // QObject children
    LeafCertificates* leaves_ = nullptr;
    CheckRunner* checks_ = nullptr;
    TtlTimer* ttl_ = nullptr;
    HttpServer* server_ = nullptr;
    std::unique_ptr<AgentServices> services_;
    std::unique_ptr<ApiRouter> router_;
    std::unique_ptr<class AclResolver> acl_;
};

// The Connect CA of a new agent (EC P-256 root, trust domain <uuid>.consul). Errors while
// generating are logged and give null (the Connect endpoints then answer 500).
std::unique_ptr<ConnectCa> makeConnectCa(const std::string& datacenter, AgentLog& log);

}  // namespace meshx::agent
