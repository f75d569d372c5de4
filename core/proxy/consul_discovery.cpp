#include "proxy/consul_discovery.h"

#include "consul/blocking_query_loop.h"
#include "consul/catalog_endpoints.h"

namespace meshx::proxy {

namespace {

class ConsulDiscoveryWatch : public DiscoveryWatch {
  public:
    explicit ConsulDiscoveryWatch(std::unique_ptr<consul::BlockingQueryLoop> watcher)
        : watcher_(std::move(watcher)) {
        watcher_->start();
    }
    // The watcher's stop() cancels the query in flight, so this returns promptly.
    ~ConsulDiscoveryWatch() override { watcher_->stop(); }

  private:
    std::unique_ptr<consul::BlockingQueryLoop> watcher_;
};

// One health entry -> the instance to dial and the identity its certificate must carry.
Result<UpstreamInstance> toInstance(const consul::ServiceEntry& e, const UpstreamConfig& up) {
    UpstreamInstance inst;
    inst.id = e.node.node + "/" + e.service.id;
    auto address = SocketAddress::resolve(e.dialAddress(), static_cast<uint16_t>(e.service.port));
    if (!address) {
        return address.error();
    }
    inst.address = *address;
    bool isProxy = e.service.kind == "connect-proxy" && e.service.proxy.has_value();
    inst.identity.service = isProxy ? e.service.proxy->destinationServiceName : e.service.service;
    inst.identity.datacenter = !e.node.datacenter.empty() ? e.node.datacenter : up.datacenter;
    inst.identity.ns = up.destinationNamespace;
    inst.identity.partition = up.destinationPartition;
    return inst;
}

}  // namespace

std::unique_ptr<DiscoveryWatch> ConsulDiscovery::watch(const UpstreamConfig& upstream,
                                                       Update update) {
    consul::endpoints::HealthQuery query;
    query.passing = true;
    query.datacenter = upstream.datacenter;
    consul::BlockingQueryLoop::Options options;
    options.mode = consul::BlockingQueryLoop::Mode::Index;
    Logger* log = &log_;
    std::string name = upstream.toString();
    auto watcher =
        consul::BlockingQueryLoop::typed<consul::Indexed<std::vector<consul::ServiceEntry>>>(
            api_, consul::endpoints::healthConnect(upstream.destinationName, query), options,
            [update, upstream, log, name](
                const consul::Indexed<std::vector<consul::ServiceEntry>>& r, uint64_t) {
                std::vector<UpstreamInstance> instances;
                for (const auto& entry : r.value) {
                    auto inst = toInstance(entry, upstream);
                    if (!inst) {
                        log->warn("proxy.upstream", "skipping instance",
                                  {{"upstream", name},
                                   {"instance", entry.service.id},
                                   {"error", inst.error().message}});
                        continue;
                    }
                    instances.push_back(std::move(*inst));
                }
                std::string count = std::to_string(instances.size());
                log->debug("proxy.upstream", "healthy instances updated",
                           {{"upstream", name}, {"count", count}});
                update(std::move(instances));
            },
            [log, name](const Error& error, std::chrono::milliseconds retryIn) {
                std::string retry = std::to_string(retryIn.count()) + "ms";
                log->warn("proxy.upstream", "failed to watch healthy instances",
                          {{"upstream", name}, {"error", error.message}, {"retry_in", retry}});
            });
    return std::make_unique<ConsulDiscoveryWatch>(std::move(watcher));
}

}  // namespace meshx::proxy
