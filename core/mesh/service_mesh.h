#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "mesh/proxy_info.h"
#include "mesh/service_params.h"
#include "mesh/service_template.h"
#include "mesh/start_plan.h"
#include "net/address.h"

namespace meshx::mesh {

struct Started {
    std::string serviceId;
    net::Address address;  // where the service itself must listen (its sidecar dials it)
};

// The proxy service `connect` adds upstreams to: name and id, both `upstream-<hostname>` by
// default.
struct ProxyService {
    std::string name;
    std::string id;
    static ProxyService defaults();
};

// The service mesh as MeshxConsul's API has it, one method per verb. Implementations are
// thread-safe and blocking (one command at a time); the console runs them off the GUI thread.
// Errors use the original's codes: AlreadyStarted, InvalidState, ServiceNotOwned,
// ServiceAliveTimeout, plus AgentUnreachable, InvalidArgument, MissingKey/TemplateError,
// PortRangeExhausted and ProxyFailed.
class ServiceMesh {
  public:
    virtual ~ServiceMesh() = default;

    // Renders the registration, TTL spec and proxy argv from `tmpl` against the params' hash,
    // registers the service, starts its TTL worker and its sidecar proxy, and waits up to
    // `timeout` (0: don't wait) for it to be passing. On any failure every step is undone.
    virtual Result<Started> start(const ServiceParams& params, const ServiceTemplate& tmpl,
                                  bool forceRegistration, std::chrono::milliseconds timeout) = 0;
    // What start(params, tmpl) would do, rendered and validated by the same code (renderStartPlan)
    // without sending anything: the registration, the TTL check, the proxy command. The address
    // is the params' own, else a sample (the first port of the range; start claims a free one).
    // Errors: the rendering and validation errors start would return. No I/O; any thread.
    virtual Result<StartPlan> plan(const ServiceParams& params, const ServiceTemplate& tmpl) = 0;
    // Executes a plan (its params and template, rendered again with the port start claims).
    Result<Started> start(const StartPlan& plan, bool forceRegistration,
                          std::chrono::milliseconds timeout) {
        return start(plan.params, plan.tmpl, forceRegistration, timeout);
    }
    // Stops the proxy and the TTL worker and deregisters the service and its sidecar.
    // ServiceNotOwned when this engine did not start it.
    virtual Status stop(const std::string& serviceId) = 0;

    // Starts `proxy` if needed (with a dummy listener on its endpoint) and adds each upstream (a
    // name, or a hash for `upstreamTemplate`) to its sidecar's Proxy.Upstreams. One result per
    // upstream, in order: the local address to dial. An upstream already present keeps its
    // address.
    virtual Result<std::vector<Result<net::Address>>> connect(
        const std::vector<nlohmann::json>& upstreams, const nlohmann::json& upstreamTemplate,
        const ProxyService& proxy) = 0;
    // Removes the named upstreams from `proxyId`'s sidecar; returns the names removed. With
    // `restartProxy` the proxy is restarted so open connections close; when it cannot be (it
    // runs none, or it fails to launch) the answer is that error, the upstreams being removed
    // all the same.
    virtual Result<std::vector<std::string>> disconnect(const std::vector<std::string>& names,
                                                        const std::string& proxyId,
                                                        bool restartProxy) = 0;

    // Ids of the services this engine owns, sorted.
    virtual std::vector<std::string> list() = 0;
    // Destination names of `proxyId`'s sidecar upstreams.
    virtual Result<std::vector<std::string>> listUpstream(const std::string& proxyId) = 0;
    // The agent's view of the service (GET /agent/service/:id).
    virtual Result<nlohmann::json> info(const std::string& serviceId) = 0;
    virtual Result<ProxyInfo> proxyInfo(const std::string& serviceId) = 0;
    virtual Status proxyRestart(const std::string& serviceId) = 0;
    // The status the TTL worker pushes ("passing", "warning", "critical").
    virtual Result<std::string> ttlStatus(const std::string& serviceId) = 0;
    virtual Status setTtlStatus(const std::string& serviceId, const std::string& status) = 0;
    // Stops every owned service (shutdown).
    virtual void stopAll() = 0;

    // Starts many services of one template together: what start() does for each, one result
    // per params in order. A service that fails is undone alone; the others stay started.
    // Implementations overlap the agent round trips and wait for all to pass at once; this
    // default starts them one after another.
    virtual std::vector<Result<Started>> startBatch(const std::vector<ServiceParams>& params,
                                                    const ServiceTemplate& tmpl,
                                                    bool forceRegistration,
                                                    std::chrono::milliseconds timeout) {
        std::vector<Result<Started>> out;
        out.reserve(params.size());
        for (const auto& p : params) {
            out.push_back(start(p, tmpl, forceRegistration, timeout));
        }
        return out;
    }
    // stop() for each id, one status per id in order. Implementations stop the proxies
    // together; this default stops them one after another.
    virtual std::vector<Status> stopBatch(const std::vector<std::string>& serviceIds) {
        std::vector<Status> out;
        out.reserve(serviceIds.size());
        for (const auto& id : serviceIds) {
            out.push_back(stop(id));
        }
        return out;
    }
    // Deregisters `serviceId` and its sidecar (`<id>-sidecar-proxy`) where the agent still lists
    // them although nothing here runs them (a provider killed before it could deregister itself).
    // Returns the ids removed. InvalidState when this engine owns the service: stop it instead.
    virtual Result<std::vector<std::string>> removeLeftover(const std::string& serviceId) = 0;
};

}  // namespace meshx::mesh
