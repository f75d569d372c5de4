#include "proxy/config_watcher.h"

#include "consul/agent_endpoints.h"
#include "consul/blocking_query_loop.h"

namespace meshx::proxy {

ConfigWatcher::ConfigWatcher(consul::ConsulApi& api, Logger& log, std::string proxyId,
                             Handler onConfig) {
    consul::BlockingQueryLoop::Options options;
    options.mode = consul::BlockingQueryLoop::Mode::Hash;
    Logger* logger = &log;
    watcher_ = consul::BlockingQueryLoop::typed<consul::AgentService>(
        api, consul::endpoints::agentService(proxyId), options,
        [logger, onConfig = std::move(onConfig)](const consul::AgentService& service, uint64_t) {
            auto config = ProxyConfig::fromAgentService(service.raw);
            if (!config) {
                logger->error("proxy", "invalid proxy configuration",
                              {{"error", config.error().message}});
                return;
            }
            onConfig(*config);
        },
        [logger, proxyId](const Error& error, std::chrono::milliseconds retryIn) {
            std::string retry = std::to_string(retryIn.count()) + "ms";
            logger->error("proxy", "failed to watch the proxy service",
                          {{"service", proxyId}, {"error", error.message}, {"retry_in", retry}});
        });
}

ConfigWatcher::~ConfigWatcher() {
    watcher_->stop();
}

void ConfigWatcher::start() {
    watcher_->start();
}

}  // namespace meshx::proxy
