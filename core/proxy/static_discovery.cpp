#include "proxy/static_discovery.h"

namespace meshx::proxy {

std::unique_ptr<DiscoveryWatch> StaticDiscovery::watch(const UpstreamConfig& upstream,
                                                       Update update) {
    auto it = instances_.find(upstream.destinationName);
    update(it == instances_.end() ? std::vector<UpstreamInstance>{} : it->second);
    return std::make_unique<DiscoveryWatch>();
}

}  // namespace meshx::proxy
