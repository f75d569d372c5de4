#pragma once

#include <map>
#include <string>
#include <vector>

#include "proxy/discovery.h"

namespace meshx::proxy {

// Fixed instance lists per destination name: the discovery of `meshx-proxy -config-file`, which
// runs without an agent (benchmarks, demos). Each watch gets its list once.
class StaticDiscovery : public Discovery {
  public:
    explicit StaticDiscovery(std::map<std::string, std::vector<UpstreamInstance>> instances)
        : instances_(std::move(instances)) {}

    // Discovery. Loop thread; `update` runs before this returns.
    std::unique_ptr<DiscoveryWatch> watch(const UpstreamConfig& upstream, Update update) override;

  private:
    std::map<std::string, std::vector<UpstreamInstance>> instances_;
};

}  // namespace meshx::proxy
