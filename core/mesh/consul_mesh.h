#pragma once

#include <QObject>
#include <QThreadPool>

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <vector>

#include "common/mesh_config.h"
#include "mesh/mesh_runtime.h"
#include "mesh/port_allocator.h"
#include "mesh/service_mesh.h"

namespace meshx::consul {
class ConsulApi;
struct AgentService;
}  // namespace meshx::consul

namespace meshx::mesh {

class DummyListener;
class ProxySupervisor;
class TtlWorker;

// ServiceMesh on a Consul agent (the MeshxConsul adapter). Talks to the agent through ConsulApi,
// so it runs unchanged against the dev agent and real Consul.
//
// Ownership is this engine's memory of what it started (the original keeps it in ETS): a service
// registered by another process is "not owned" even when it has the same id.
//
// Beyond the original: when a TTL update finds its check gone (the agent restarted and lost our
// registrations), the service is registered again from its rendered registration, with the
// upstreams it had.
//
// Thread: every ServiceMesh method is thread-safe and blocking (one command at a time). TTL
// workers, proxy supervisors and dummy listeners live on an internal MeshRuntime thread.
class ConsulMesh final : public ServiceMesh {
  public:
    using json = nlohmann::json;

    // `api` must outlive the mesh.
    static Result<std::unique_ptr<ConsulMesh>> create(consul::ConsulApi& api, MeshConfig config);
    ~ConsulMesh() override;

    // The built-in template: default registration and TTL, proxy command from the config's
    // `proxy_template` name (meshx-proxy by default).
    ServiceTemplate defaultTemplate() const;
    // A named template from the config, layered over defaultTemplate(); or a proxy template name.
    Result<ServiceTemplate> namedTemplate(const std::string& name) const;
    const MeshConfig& config() const { return config_; }

    // ServiceMesh
    using ServiceMesh::start;
    Result<StartPlan> plan(const ServiceParams& params, const ServiceTemplate& tmpl) override;
    Result<Started> start(const ServiceParams& params, const ServiceTemplate& tmpl,
                          bool forceRegistration, std::chrono::milliseconds timeout) override;
    Status stop(const std::string& serviceId) override;
    Result<std::vector<Result<net::Address>>> connect(const std::vector<nlohmann::json>& upstreams,
                                                      const nlohmann::json& upstreamTemplate,
                                                      const ProxyService& proxy) override;
    Result<std::vector<std::string>> disconnect(const std::vector<std::string>& names,
                                                const std::string& proxyId,
                                                bool restartProxy) override;
    std::vector<std::string> list() override;
    Result<std::vector<std::string>> listUpstream(const std::string& proxyId) override;
    Result<nlohmann::json> info(const std::string& serviceId) override;
    Result<ProxyInfo> proxyInfo(const std::string& serviceId) override;
    Status proxyRestart(const std::string& serviceId) override;
    Result<std::string> ttlStatus(const std::string& serviceId) override;
    Status setTtlStatus(const std::string& serviceId, const std::string& status) override;
    void stopAll() override;
    Result<std::vector<std::string>> removeLeftover(const std::string& serviceId) override;

    // Times an owned service was registered again after the agent lost it. Any thread.
    int reregistrations(const std::string& serviceId);

  private:
    struct Owned {
        nlohmann::json registration;  // as rendered and registered
        net::Address address;
        TtlWorker* ttl = nullptr;  // runtime thread objects, owned by the runtime context
        ProxySupervisor* proxy = nullptr;
        DummyListener* dummy = nullptr;
        json upstreams = json::array();  // Proxy.Upstreams we last registered (proxy services)
        int reregistrations = 0;
        // Ports this engine claimed for the service and its upstreams (PortClaim): held while
        // the record lives, so no engine on the host hands them out again. Shared because
        // records are copied; an upstream's claim stays until the service stops, since its
        // proxy may listen on it until it reloads.
        std::vector<std::shared_ptr<PortClaim>> claims;
    };
    struct SidecarView;

    ConsulMesh(consul::ConsulApi& api, MeshConfig config, std::unique_ptr<PortAllocator> ports);

    // `claim`: the service's port, already claimed (and bound, by the dummy listener) by the
    // caller; without one, a port is claimed here unless the params name an address.
    Result<Started> startLocked(const ServiceParams& params, const ServiceTemplate& tmpl,
                                bool forceRegistration, std::chrono::milliseconds timeout,
                                std::shared_ptr<PortClaim> claim = nullptr);
    // Ports the agent has registered for services of this node: Port, Proxy.LocalServicePort and
    // Proxy.Upstreams[].LocalBindPort. Caller holds mutex_.
    Result<std::set<uint16_t>> portsKnownToAgent();
    // A port no engine on this host has claimed, the agent does not know and nobody listens on.
    // Caller holds mutex_.
    Result<std::shared_ptr<PortClaim>> claimPort(PortAllocator::Direction direction);
    Status waitPassing(const std::string& serviceId, std::chrono::milliseconds timeout,
                       ProxySupervisor* proxy);
    bool isPassing(const std::string& serviceId);
    // Stops and deregisters everything `owned` holds; the record must already be out of owned_.
    void teardown(const std::string& serviceId, Owned& owned);
    // The record of a service this engine started, or service_not_owned. Caller holds mutex_.
    Result<Owned*> findOwned(const std::string& serviceId);
    // The owned service's proxy supervisor / TTL worker, or not_found when it runs none.
    Result<ProxySupervisor*> ownedProxy(const std::string& serviceId);
    Result<TtlWorker*> ownedTtl(const std::string& serviceId);
    Result<SidecarView> findSidecar(const std::string& serviceId);
    Status registerUpstreams(const SidecarView& sidecar,
                             const std::vector<nlohmann::json>& upstreams);
    void onCheckLost(const std::string& serviceId);
    void publish(const char* name, const std::string& serviceId, nlohmann::json details = {});

    consul::ConsulApi& api_;
    const MeshConfig config_;
    std::unique_ptr<PortAllocator> ports_;
    std::unique_ptr<MeshRuntime> runtime_;
    std::recursive_mutex mutex_;  // one command at a time; re-registration joins the queue
    std::map<std::string, Owned> owned_;
    // Re-registrations run here, off the runtime thread (they take the command lock, which a
    // command may hold while it waits on the runtime thread).
    QThreadPool recovery_;
};

}  // namespace meshx::mesh
