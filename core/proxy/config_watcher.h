#pragma once

#include <functional>
#include <memory>
#include <string>

#include "consul/consul_api.h"
#include "proxy/logger.h"
#include "proxy/proxy_config.h"

namespace meshx::consul {
class BlockingQueryLoop;
}

namespace meshx::proxy {

// Follows the proxy's own registration with hash-blocking queries on
// `GET /v1/agent/service/<proxy id>` (reference §1.8, §5.1 step 4) and reports each new
// ProxyConfig. Replies that are not a connect-proxy are logged and ignored; agent errors are
// logged and retried with back-off (the last good config stays in force).
class ConfigWatcher {
  public:
    using Handler = std::function<void(const ProxyConfig&)>;

    // Any thread. `onConfig` runs on the watcher's thread. `api` and `log` must outlive it.
    ConfigWatcher(consul::ConsulApi& api, Logger& log, std::string proxyId, Handler onConfig);
    // Any thread but the handler's. Stops the query in flight and joins.
    ~ConfigWatcher();

    // Any thread.
    void start();

  private:
    std::unique_ptr<consul::BlockingQueryLoop> watcher_;
};

}  // namespace meshx::proxy
