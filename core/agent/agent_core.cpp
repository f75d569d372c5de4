#include "agent/agent_core.h"

#include <QTimer>

#include "agent/acl_resolver.h"
#include "agent/agent_services.h"
#include "agent/agent_state.h"
#include "agent/api_router.h"
#include "agent/blocking_registry.h"
#include "agent/check_runner.h"
#include "agent/http_server.h"
#include "agent/index_keys.h"
#include "agent/index_table.h"
#include "agent/intention_store.h"
#include "agent/kv_store.h"
#include "agent/leaf_certificates.h"
#include "agent/ttl_timer.h"

namespace meshx::agent {

namespace {

HttpResponse tooLarge(uint64_t length, uint64_t max, bool kv) {
    std::string text = "Request body(" + std::to_string(length) +
                       " bytes) too large, max size: " + std::to_string(max) + " bytes.";
    if (kv) {
        text.pop_back();
        text +=
            ". See https://developer.hashicorp.com/docs/agent/config/"
            "config-files#kv_max_value_size.";
    }
    return HttpResponse::text(413, text);
}

}  // namespace

AgentCore::AgentCore(AgentConfig config, AgentLog& log, const Clock& clock,
                     std::unique_ptr<ConnectCa> ca, QObject* parent)
    : QObject(parent),
      config_(std::move(config)),
      log_(log),
      clock_(clock),
      ca_(std::move(ca)),
      indexes_(std::make_unique<IndexTable>()) {
    AgentState::Options options;
    options.node.id = config_.nodeId;
    options.node.name = config_.nodeName;
    options.node.datacenter = config_.datacenter;
    options.sidecarMinPort = config_.sidecarMinPort;
    options.sidecarMaxPort = config_.sidecarMaxPort;
    options.sidecarPortClaimDir = config_.sidecarPortClaimDir;
    state_ = std::make_unique<AgentState>(options, *indexes_, clock_);
    if (ca_) {
        IndexTable::Change change(*indexes_);
        change.touch(index_keys::kCaRoots);
    }
    intentions_ = std::make_unique<IntentionStore>(*indexes_, clock_);
    kv_ = std::make_unique<KvStore>(*indexes_);
    blocking_ = new BlockingRegistry(this);
    leaves_ = new LeafCertificates(ca_.get(), config_.datacenter, config_.leafCertTtl, *indexes_,
                                   clock_, this);
    checks_ = new CheckRunner(*state_, this);
    ttl_ = new TtlTimer(*state_, clock_, log_, this);
    state_->setCheckListener(
        [this](const std::string& id, bool removed) { checks_->onCheckChanged(id, removed); });
    indexes_->setListener([this](const std::vector<std::string>& keys) {
        blocking_->notify(keys);
        ttl_->rearm();
    });

    // Consul's reaper of services critical for longer than DeregisterCriticalServiceAfter.
    auto* reaper = new QTimer(this);
    connect(reaper, &QTimer::timeout, this, [this] {
        for (const auto& id : state_->reapCriticalServices()) {
            log_.log(LogLevel::Info, "agent",
                     "Check for service has been critical for too long; deregistered service",
                     {{"service", id}});
        }
    });
    reaper->start(static_cast<int>(config_.reapInterval.count()));

    acl_ = std::make_unique<AclResolver>(config_.aclMasterToken);
    services_ = std::make_unique<AgentServices>(
        AgentServices{config_, *state_, *indexes_, *blocking_, *intentions_, *kv_, *leaves_, log_});
    router_ = std::make_unique<ApiRouter>(CallEnv{&config_, acl_.get(), &log_});
    addAgentRoutes(*router_, *services_);
    addCheckRoutes(*router_, *services_);
    addCatalogRoutes(*router_, *services_);
    addHealthRoutes(*router_, *services_);
    addConnectRoutes(*router_, *services_);
    addIntentionRoutes(*router_, *services_);
    addKvRoutes(*router_, *services_);

    HttpRequestParser::Limits limits;
    const uint64_t maxBody = config_.maxRequestBodyBytes;
    const uint64_t maxKv = config_.kvMaxValueSize;
    limits.bodyLimit = [maxBody, maxKv](const HttpRequest& r) {
        return r.path.rfind("/v1/kv/", 0) == 0 ? maxKv : maxBody;
    };
    limits.tooLarge = [maxBody, maxKv](const HttpRequest& r, uint64_t length) {
        const bool kv = r.path.rfind("/v1/kv/", 0) == 0;
        return tooLarge(length, kv ? maxKv : maxBody, kv);
    };
    ApiRouter* router = router_.get();
    server_ = new HttpServer(
        limits, [router](ExchangePtr ex) { router->dispatch(ex); }, this);
}

AgentCore::~AgentCore() {
    shutdown();
    indexes_->setListener(nullptr);
    state_->setCheckListener(nullptr);
    delete server_;
    server_ = nullptr;
    delete checks_;
    checks_ = nullptr;
}

Result<net::Address> AgentCore::listen(const net::Address& address) {
    auto bound = server_->listen(address);
    if (bound) {
        log_.log(LogLevel::Info, "agent", "Started HTTP server",
                 {{"address", bound->isUds() ? bound->path() : bound->hostPort()},
                  {"network", bound->isUds() ? "unix" : "tcp"}});
    }
    return bound;
}

void AgentCore::shutdown() {
    if (server_ != nullptr) {
        server_->close();
    }
}

const NodeInfo& AgentCore::node() const {
    return state_->node();
}

std::string AgentCore::trustDomain() const {
    return ca_ ? ca_->trustDomain() : std::string();
}

size_t AgentCore::parkedQueries() const {
    return blocking_->size();
}

}  // namespace meshx::agent
