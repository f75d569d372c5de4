#pragma once

#include "consul/consul_api.h"
#include "proxy/discovery.h"
#include "proxy/logger.h"

namespace meshx::proxy {

// Healthy instances from the agent: a blocking query loop on
// `GET /v1/health/connect/<name>?passing` per upstream (Consul's own proxy asks once per
// connection; a watch answers every connection from memory and sees a failing instance as soon
// as the agent does).
class ConsulDiscovery : public Discovery {
  public:
    // `api` and `log` must outlive every watch.
    ConsulDiscovery(consul::ConsulApi& api, Logger& log) : api_(api), log_(log) {}

    // Discovery. Any thread; updates run on the watch's own thread.
    std::unique_ptr<DiscoveryWatch> watch(const UpstreamConfig& upstream, Update update) override;

  private:
    consul::ConsulApi& api_;
    Logger& log_;
};

}  // namespace meshx::proxy
