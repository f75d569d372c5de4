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
class ProxyHostPool;
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
    // Stops every owned service, the proxies together (as stopBatch).
    void stopAll() override;
    // One look at the agent for the whole batch (its services and checks), registrations and
    // deregistrations over a few parallel connections, sidecars launched back to back, and one
    // blocking wait per service name for all of them to pass.
    std::vector<Result<Started>> startBatch(const std::vector<ServiceParams>& params,
                                            const ServiceTemplate& tmpl, bool forceRegistration,
                                            std::chrono::milliseconds timeout) override;
    std::vector<Status> stopBatch(const std::vector<std::string>& serviceIds) override;
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
        std::vector<std::shared_ptr<net::PortClaim>> claims;
    };
    struct SidecarView;
    struct ExitWatch;
    // One service rendered and checked, ready to register.
    struct Prepared {
        std::string name;
        std::string serviceId;
        nlohmann::json registration;
        net::Address address;
        std::shared_ptr<net::PortClaim> claim;  // null when the params named the address
        std::string checkId;                    // empty: no TTL check
        std::string ttlStatus;
        std::chrono::milliseconds ttlInterval{0};
        std::vector<std::string> argv;  // empty: no proxy
        // Added to the proxy's environment: where its tap listens (TapAdvertisement).
        std::map<std::string, std::string> proxyEnv;
    };

    ConsulMesh(consul::ConsulApi& api, MeshConfig config, std::unique_ptr<PortAllocator> ports);

    // `claim`: the service's port, already claimed (and bound, by the dummy listener) by the
    // caller; without one, a port is claimed here unless the params name an address.
    Result<Started> startLocked(const ServiceParams& params, const ServiceTemplate& tmpl,
                                bool forceRegistration, std::chrono::milliseconds timeout,
                                std::shared_ptr<net::PortClaim> claim = nullptr);
    // Renders and checks one service; claims its port unless `claim` or the params give one
    // (`known`: the agent's ports, kept up to date by the caller of a batch; null: ask the
    // agent). Caller holds mutex_.
    Result<Prepared> prepare(const ServiceParams& params, const ServiceTemplate& tmpl,
                             std::shared_ptr<net::PortClaim> claim, std::set<uint16_t>* known);
    // AlreadyStarted / InvalidState / ServiceNotOwned as start() answers them. Caller holds mutex_.
    Status checkOwnership(const std::string& serviceId, bool passing, bool forceRegistration);
    Status registerPrepared(const Prepared& p);
    // Runtime thread: the TTL worker (its first update sent at once) and the proxy.
    TtlWorker* startTtl(const Prepared& p);
    // A sidecar for `p` with the config's options plus the tap address TapAdvertisement chose;
    // not started. Runtime thread.
    ProxySupervisor* newProxy(const Prepared& p);
    Result<ProxySupervisor*> startProxy(const Prepared& p);
    // ProxyFailed when the proxy exited since it was started. Any thread but the runtime's.
    Status proxyStartFailure(const std::string& serviceId, ProxySupervisor* proxy);
    // Stops and deregisters every record (already out of owned_): all proxies signalled first,
    // then waited for; one sidecar listing; deregistrations in parallel.
    void teardownBatch(std::vector<std::pair<std::string, Owned>>& records);
    // Ports the agent has registered for services of this node: Port, Proxy.LocalServicePort and
    // Proxy.Upstreams[].LocalBindPort. Caller holds mutex_.
    Result<std::set<uint16_t>> portsKnownToAgent();
    static std::set<uint16_t> portsOf(const std::map<std::string, consul::AgentService>& services);
    // A port no engine on this host has claimed, the agent does not know and nobody listens on.
    // Caller holds mutex_.
    Result<std::shared_ptr<net::PortClaim>> claimPort(PortAllocator::Direction direction);
    // Blocks until `serviceId` (of service `name`) passes: blocking queries, woken by the TTL
    // update and by the proxy's exit.
    Status waitPassing(const std::string& name, const std::string& serviceId,
                       std::chrono::milliseconds timeout, ProxySupervisor* proxy);
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
    // The sidecar `argv` runs in a proxy host (proxy_host: shared, and argv is meshx-proxy).
    bool hosted(const std::vector<std::string>& argv) const;
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
    // proxy_host: shared: the `meshx-proxy -host` processes of this engine (runtime thread
    // object, deleted after every supervisor); null with per_service.
    ProxyHostPool* hosts_ = nullptr;
};

}  // namespace meshx::mesh
