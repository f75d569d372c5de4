#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "proxy/proxy_config.h"
#include "proxy/upstream_instance.h"

namespace meshx::proxy {

// Keeps the healthy instances of one upstream fresh. Destroying it stops the updates.
class DiscoveryWatch {
  public:
    // Loop thread. Must return promptly (cancel, do not wait out a blocking query); no update
    // callback starts after it returns.
    virtual ~DiscoveryWatch() = default;
};

// The seam in front of `/health/connect/<name>?passing` (blocking queries against the agent);
// a fixed list in tests.
class Discovery {
  public:
    using Update = std::function<void(std::vector<UpstreamInstance>)>;
    virtual ~Discovery() = default;

    // Loop thread. Starts watching `upstream`. `update` runs on any thread with the complete
    // current list each time it changes (an empty list = no healthy instance); the first call
    // comes as soon as the list is known.
    virtual std::unique_ptr<DiscoveryWatch> watch(const UpstreamConfig& upstream,
                                                  Update update) = 0;
};

}  // namespace meshx::proxy
