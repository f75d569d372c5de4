#include "mesh/consul_mesh.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>

#include <algorithm>
#include <thread>

#include "consul/agent_endpoints.h"
#include "consul/agent_types.h"
#include "consul/consul_api.h"
#include "mesh/bind_retry.h"
#include "mesh/dummy_listener.h"
#include "mesh/port_allocator.h"
#include "mesh/proxy_supervisor.h"
#include "mesh/ttl_worker.h"
#include "telemetry/lifecycle_event.h"
#include "telemetry/telemetry_bus.h"
#include "template/template_renderer.h"

namespace meshx::mesh {

using nlohmann::json;
namespace ep = consul::endpoints;

namespace {

// How often start() asks the agent whether the service passes yet (the original polls about 100
// times over its timeout).
constexpr auto kPassingPoll = std::chrono::milliseconds(50);

bool validHashAddress(const json& hash) {
    return hash.contains("address") && hash["address"].is_string() &&
           !hash["address"].get<std::string>().empty() && hash.contains("port") &&
           hash["port"].is_number_integer();
}

// The {name, address, port} hash MeshxConsul renders a name-only upstream against.
json upstreamHash(const json& upstream) {
    if (upstream.is_string()) {
        return json{{"name", upstream.get<std::string>()}};
    }
    return upstream.is_object() ? upstream : json::object();
}

}  // namespace

struct ConsulMesh::SidecarView {
    consul::AgentService proxy;  // the sidecar's /agent/service/:id reply
    json upstreams;              // its Proxy.Upstreams as raw JSON (kept verbatim on re-register)
};

Result<std::unique_ptr<ConsulMesh>> ConsulMesh::create(consul::ConsulApi& api, MeshConfig config) {
    auto ports = PortAllocator::fromConfig(config);
    if (!ports) {
        return ports.error();
    }
    return std::unique_ptr<ConsulMesh>(new ConsulMesh(api, std::move(config), std::move(*ports)));
}

ConsulMesh::ConsulMesh(consul::ConsulApi& api, MeshConfig config,
                       std::unique_ptr<PortAllocator> ports)
    : api_(api),
      config_(std::move(config)),
      ports_(std::move(ports)),
      runtime_(std::make_unique<MeshRuntime>()) {
    recovery_.setMaxThreadCount(1);
}

ConsulMesh::~ConsulMesh() {
    stopAll();
    recovery_.waitForDone();
    runtime_.reset();
}

ServiceTemplate ConsulMesh::defaultTemplate() const {
    return defaultServiceTemplate(config_);
}

Result<ServiceTemplate> ConsulMesh::namedTemplate(const std::string& name) const {
    return namedServiceTemplate(config_, name);
}

bool ConsulMesh::isPassing(const std::string& serviceId) {
    auto health = api_.call(ep::agentHealthById(serviceId));
    return health.ok() && health->passing();
}

void ConsulMesh::publish(const char* name, const std::string& serviceId, json details) {
    telemetry::LifecycleEvent e{name, serviceId, details.is_object() ? details : json::object()};
    telemetry::TelemetryBus::global().publish(e.toEvent());
}

Result<StartPlan> ConsulMesh::plan(const ServiceParams& params, const ServiceTemplate& tmpl) {
    if (auto asked = requestedAddress(params)) {
        return renderStartPlan(params, tmpl, *asked, /*sampleAddress=*/false);
    }
    return renderStartPlan(params, tmpl,
                           net::Address::tcp(config_.portRangeIp, config_.portRangeMin),
                           /*sampleAddress=*/true);
}

Result<Started> ConsulMesh::start(const ServiceParams& params, const ServiceTemplate& tmpl,
                                  bool forceRegistration, std::chrono::milliseconds timeout) {
    std::lock_guard lock(mutex_);
    return startLocked(params, tmpl, forceRegistration, timeout);
}

Result<std::set<uint16_t>> ConsulMesh::portsKnownToAgent() {
    auto services = api_.call(ep::agentServices());
    if (!services) {
        return services.error();
    }
    std::set<uint16_t> known;
    auto add = [&known](int port) {
        if (port > 0 && port <= 65535) {
            known.insert(static_cast<uint16_t>(port));
        }
    };
    // Whatever the address: a port registered on another ip of this host is rare, and skipping
    // it costs one port, while handing it out could put two services behind one port.
    for (const auto& [id, s] : *services) {
        add(s.port);
        if (s.proxy) {
            add(s.proxy->localServicePort);
            for (const auto& u : s.proxy->upstreams) {
                add(u.localBindPort);
            }
        }
    }
    return known;
}

Result<std::shared_ptr<PortClaim>> ConsulMesh::claimPort(PortAllocator::Direction direction) {
    // The agent's view first (services registered but not listening yet, by any engine, alive or
    // gone), then the machine-wide claim settles races between engines starting together.
    auto known = portsKnownToAgent();
    if (!known) {
        return known.error();
    }
    auto claimed = ports_->claim(direction, *known);
    if (!claimed) {
        return claimed.error();
    }
    return std::shared_ptr<PortClaim>(std::move(*claimed));
}

Result<Started> ConsulMesh::startLocked(const ServiceParams& params, const ServiceTemplate& tmpl,
                                        bool forceRegistration, std::chrono::milliseconds timeout,
                                        std::shared_ptr<PortClaim> claim) {
    net::Address address;
    if (!claim) {
        if (auto asked = requestedAddress(params)) {
            address = *asked;
        } else {
            auto claimed = claimPort(PortAllocator::Direction::Up);
            if (!claimed) {
                return claimed.error();
            }
            claim = std::move(*claimed);
        }
    }
    if (claim) {
        address = claim->address();
    }

    // The one render path: what plan() showed is what gets registered and run.
    auto planned = renderStartPlan(params, tmpl, address, /*sampleAddress=*/false);
    if (!planned) {
        return planned.error();
    }
    const json& reg = planned->registration;
    const std::string& serviceId = planned->serviceId;

    const bool owned = owned_.count(serviceId) > 0;
    const bool passing = isPassing(serviceId);
    if (owned && passing) {
        return makeError(Code::AlreadyStarted, serviceId + " is already started and passing");
    }
    if (owned) {
        return makeError(Code::InvalidState, serviceId + " is ours but not passing");
    }
    if (passing && !forceRegistration) {
        return makeError(Code::ServiceNotOwned,
                         serviceId + " is registered and passing, but not by this engine");
    }
    const std::string checkId = planned->ttl ? planned->ttl->checkId : std::string();
    const std::vector<std::string>& argv = planned->proxy;

    Owned record;
    record.registration = reg;
    record.address = address;
    if (claim) {
        record.claims.push_back(claim);
    }
    auto fail = [&](Error error) -> Result<Started> {
        teardown(serviceId, record);
        return error;
    };

    if (auto r = api_.call(ep::registerService(reg, /*replaceExistingChecks=*/true)); !r) {
        return fail(r.error());
    }
    publish(telemetry::LifecycleEvent::kServiceRegistered, serviceId,
            {{"address", address.toString()}});
    if (tmpl.ttl) {
        const auto interval = std::chrono::milliseconds(tmpl.ttl->intervalMs);
        const std::string status = tmpl.ttl->status;
        record.ttl = runtime_->run([&] {
            auto* w = new TtlWorker(api_, serviceId, checkId, status, interval,
                                    std::chrono::milliseconds(100), runtime_->context());
            QObject::connect(w, &TtlWorker::checkLost, w, [this](const QString& id) {
                recovery_.start([this, sid = id.toStdString()] { onCheckLost(sid); });
            });
            w->start();
            return w;
        });
    }
    if (!argv.empty()) {
        auto started = runtime_->run([&]() -> Result<ProxySupervisor*> {
            auto* s = new ProxySupervisor(serviceId, argv, config_,
                                          ProxySupervisor::Options::fromConfig(config_),
                                          runtime_->context());
            if (auto st = s->start(); !st) {
                delete s;
                return st.error();
            }
            return s;
        });
        if (!started) {
            return fail(started.error());
        }
        record.proxy = *started;
    }
    if (timeout.count() > 0) {
        if (auto st = waitPassing(serviceId, timeout, record.proxy); !st) {
            return fail(st.error());
        }
    }
    owned_[serviceId] = record;
    return Started{serviceId, address};
}

Status ConsulMesh::waitPassing(const std::string& serviceId, std::chrono::milliseconds timeout,
                               ProxySupervisor* proxy) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        if (proxy) {
            // A proxy that exits while its service starts is a failed start, even if a restart
            // would follow: the caller hears the exit reason now rather than a flapping sidecar.
            const auto info = runtime_->run([proxy] { return proxy->info(); });
            if (info.restarts > 0 || info.state == ProxyState::Restarting ||
                info.state == ProxyState::GaveUp || info.state == ProxyState::Stopped) {
                return makeError(Code::ProxyFailed, "the proxy of " + serviceId +
                                                        " exited during start-up (" +
                                                        info.lastExitReason + ")");
            }
        }
        if (isPassing(serviceId)) {
            return {};
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            return makeError(
                Code::ServiceAliveTimeout,
                serviceId + " was not passing after " + std::to_string(timeout.count()) + " ms");
        }
        std::this_thread::sleep_for(kPassingPoll);  // polling the agent, as the original does
    }
}

void ConsulMesh::teardown(const std::string& serviceId, Owned& owned) {
    runtime_->run([&] {
        if (owned.proxy) {
            owned.proxy->stopAndWait();
            delete owned.proxy;
            owned.proxy = nullptr;
        }
        if (owned.ttl) {
            owned.ttl->stop();
            delete owned.ttl;
            owned.ttl = nullptr;
        }
        if (owned.dummy) {
            delete owned.dummy;
            owned.dummy = nullptr;
        }
    });
    // The sidecar first: a sidecar we re-registered directly (to edit upstreams) is a plain
    // service to the agent and would outlive its parent.
    if (auto sidecar = findSidecar(serviceId); sidecar) {
        (void)api_.call(ep::deregisterService(sidecar->proxy.id));
    }
    (void)api_.call(ep::deregisterService(serviceId));
    publish(telemetry::LifecycleEvent::kServiceDeregistered, serviceId);
}

Status ConsulMesh::stop(const std::string& serviceId) {
    std::lock_guard lock(mutex_);
    auto owned = findOwned(serviceId);
    if (!owned) {
        return owned.error();
    }
    Owned record = **owned;
    owned_.erase(serviceId);
    teardown(serviceId, record);
    return {};
}

void ConsulMesh::stopAll() {
    std::lock_guard lock(mutex_);
    while (!owned_.empty()) {
        auto it = owned_.begin();
        std::string id = it->first;
        Owned record = it->second;
        owned_.erase(it);
        teardown(id, record);
    }
}

Result<ConsulMesh::SidecarView> ConsulMesh::findSidecar(const std::string& serviceId) {
    auto services = api_.call(ep::agentServices(R"(Kind == "connect-proxy")"));
    if (!services) {
        return services.error();
    }
    std::vector<std::string> matches;
    for (const auto& [id, s] : *services) {
        if (s.proxy && (s.proxy->destinationServiceId == serviceId ||
                        s.proxy->destinationServiceName == serviceId)) {
            matches.push_back(id);
        }
    }
    if (matches.empty()) {
        return makeError(Code::NotFound, "no sidecar proxy registered for " + serviceId);
    }
    if (matches.size() > 1) {
        return makeError(Code::InvalidState,
                         "more than one sidecar proxy registered for " + serviceId);
    }
    auto proxy = api_.call(ep::agentService(matches.front()));
    if (!proxy) {
        return proxy.error();
    }
    SidecarView view;
    view.proxy = std::move(*proxy);
    const json& raw = view.proxy.raw;
    view.upstreams = raw.contains("Proxy") && raw["Proxy"].contains("Upstreams") &&
                             raw["Proxy"]["Upstreams"].is_array()
                         ? raw["Proxy"]["Upstreams"]
                         : json::array();
    return view;
}

Status ConsulMesh::registerUpstreams(const SidecarView& sidecar,
                                     const std::vector<json>& upstreams) {
    json reg = sidecar.proxy.toRegistration();
    reg["Proxy"]["Upstreams"] = upstreams;
    return api_.call(ep::registerService(reg, /*replaceExistingChecks=*/false));
}

Result<std::vector<Result<net::Address>>> ConsulMesh::connect(const std::vector<json>& upstreams,
                                                              const json& upstreamTemplate,
                                                              const ProxyService& proxy) {
    std::lock_guard lock(mutex_);
    // A new proxy service gets its dummy listener before it is registered: the listener holds
    // the claimed port from then on, and when someone outside the claims took the port anyway,
    // the next port is tried instead of registering a service on a port we cannot serve.
    std::shared_ptr<PortClaim> claim;
    DummyListener* dummy = nullptr;
    for (int attempt = 1; owned_.count(proxy.id) == 0; ++attempt) {
        auto claimed = claimPort(PortAllocator::Direction::Up);
        if (!claimed) {
            return claimed.error();
        }
        const net::Address at = (*claimed)->address();
        auto listening =
            runtime_->run([&] { return DummyListener::listen(at, runtime_->context()); });
        if (listening) {
            claim = std::move(*claimed);
            dummy = listening->release();
            break;
        }
        if (!isAddressInUse(listening.error()) || attempt >= kBindAttempts) {
            return listening.error();
        }
    }
    auto started = startLocked(ServiceParams::namedWithId(proxy.name, proxy.id), defaultTemplate(),
                               false, std::chrono::milliseconds(config_.startTimeoutMs), claim);
    if (started && dummy != nullptr) {
        owned_[proxy.id].dummy = dummy;
    } else if (dummy != nullptr) {
        runtime_->run([dummy] { delete dummy; });
    }
    if (!started && started.error().code != Code::AlreadyStarted) {
        return started.error();
    }

    auto sidecar = findSidecar(proxy.id);
    if (!sidecar) {
        return sidecar.error();
    }
    std::vector<json> current(sidecar->upstreams.begin(), sidecar->upstreams.end());
    const auto sizeBefore = current.size();
    std::vector<std::shared_ptr<PortClaim>> claims;  // kept only once registered
    std::vector<Result<net::Address>> results;
    for (const auto& upstream : upstreams) {
        json hash = upstreamHash(upstream);
        // Render once with a placeholder endpoint to learn the destination name, so an upstream
        // already present keeps its address and no port is spent on it.
        json probe = hash;
        if (!validHashAddress(probe)) {
            probe["address"] = "placeholder";
            probe["port"] = 0;
        }
        auto rendered = tmpl::TemplateRenderer(probe).render(upstreamTemplate);
        if (!rendered) {
            results.emplace_back(rendered.error());
            continue;
        }
        const std::string name = rendered->value("DestinationName", "");
        if (name.empty()) {
            results.emplace_back(
                makeError(Code::InvalidArgument, "the rendered upstream has no DestinationName"));
            continue;
        }
        auto existing = std::find_if(current.begin(), current.end(), [&](const json& u) {
            return u.value("DestinationName", "") == name;
        });
        if (existing != current.end()) {
            results.emplace_back(
                net::Address::tcp(existing->value("LocalBindAddress", "127.0.0.1"),
                                  static_cast<uint16_t>(existing->value("LocalBindPort", 0))));
            continue;
        }
        net::Address address;
        std::shared_ptr<PortClaim> upstreamClaim;
        if (validHashAddress(hash)) {
            address = net::Address::tcp(hash["address"].get<std::string>(),
                                        static_cast<uint16_t>(hash["port"].get<int>()));
        } else {
            auto claimed = claimPort(PortAllocator::Direction::Down);
            if (!claimed) {
                results.emplace_back(claimed.error());
                continue;
            }
            upstreamClaim = std::move(*claimed);
            address = upstreamClaim->address();
            hash["address"] = address.host();
            hash["port"] = address.port();
        }
        auto final = tmpl::TemplateRenderer(hash).render(upstreamTemplate);
        if (!final) {
            results.emplace_back(final.error());
            continue;
        }
        if (upstreamClaim) {
            claims.push_back(std::move(upstreamClaim));
        }
        current.push_back(*final);
        results.emplace_back(address);
        publish(telemetry::LifecycleEvent::kUpstreamAdded, proxy.id,
                {{"upstream", name}, {"address", address.toString()}});
    }
    if (current.size() != sizeBefore) {
        if (auto st = registerUpstreams(*sidecar, current); !st) {
            return st.error();
        }
    }
    Owned& owner = owned_[proxy.id];
    owner.upstreams = current;
    owner.claims.insert(owner.claims.end(), claims.begin(), claims.end());
    return results;
}

Result<std::vector<std::string>> ConsulMesh::disconnect(const std::vector<std::string>& names,
                                                        const std::string& proxyId,
                                                        bool restartProxy) {
    std::lock_guard lock(mutex_);
    auto owned = findOwned(proxyId);
    if (!owned) {
        return owned.error();
    }
    auto sidecar = findSidecar(proxyId);
    if (!sidecar) {
        return sidecar.error();
    }
    std::vector<json> kept;
    std::vector<std::string> removed;
    for (const auto& u : sidecar->upstreams) {
        const std::string name = u.value("DestinationName", "");
        if (std::find(names.begin(), names.end(), name) != names.end()) {
            removed.push_back(name);
        } else {
            kept.push_back(u);
        }
    }
    if (removed.empty()) {
        return removed;
    }
    if (auto st = registerUpstreams(*sidecar, kept); !st) {
        return st.error();
    }
    (*owned)->upstreams = kept;
    for (const auto& name : removed) {
        publish(telemetry::LifecycleEvent::kUpstreamRemoved, proxyId, {{"upstream", name}});
    }
    if (restartProxy) {
        // The upstreams are gone either way; the caller asked for the restart so that open
        // connections close, and must hear when that did not happen.
        ProxySupervisor* p = (*owned)->proxy;
        if (p == nullptr) {
            return makeError(Code::InvalidState,
                             "disconnected from " + proxyId + " but it runs no proxy to restart");
        }
        if (auto st = runtime_->run([p] { return p->restart(); }); !st) {
            return makeError(st.error().code,
                             "disconnected from " + proxyId +
                                 " but could not restart its proxy: " + st.error().message);
        }
    }
    return removed;
}

std::vector<std::string> ConsulMesh::list() {
    std::lock_guard lock(mutex_);
    std::vector<std::string> ids;
    for (const auto& [id, _] : owned_) {
        ids.push_back(id);
    }
    return ids;
}

Result<std::vector<std::string>> ConsulMesh::listUpstream(const std::string& proxyId) {
    std::lock_guard lock(mutex_);
    if (auto owned = findOwned(proxyId); !owned) {
        return owned.error();
    }
    auto sidecar = findSidecar(proxyId);
    if (!sidecar) {
        return sidecar.error();
    }
    std::vector<std::string> names;
    for (const auto& u : sidecar->upstreams) {
        names.push_back(u.value("DestinationName", ""));
    }
    return names;
}

Result<json> ConsulMesh::info(const std::string& serviceId) {
    auto service = api_.call(ep::agentService(serviceId));
    if (!service) {
        return service.error();
    }
    return service->raw;
}

Result<ProxyInfo> ConsulMesh::proxyInfo(const std::string& serviceId) {
    std::lock_guard lock(mutex_);
    auto proxy = ownedProxy(serviceId);
    if (!proxy) {
        return proxy.error();
    }
    ProxySupervisor* p = *proxy;
    return runtime_->run([p] { return p->info(); });
}

Status ConsulMesh::proxyRestart(const std::string& serviceId) {
    std::lock_guard lock(mutex_);
    auto proxy = ownedProxy(serviceId);
    if (!proxy) {
        return proxy.error();
    }
    ProxySupervisor* p = *proxy;
    return runtime_->run([p] { return p->restart(); });
}

Result<std::string> ConsulMesh::ttlStatus(const std::string& serviceId) {
    std::lock_guard lock(mutex_);
    auto ttl = ownedTtl(serviceId);
    if (!ttl) {
        return ttl.error();
    }
    TtlWorker* w = *ttl;
    return runtime_->run([w] { return w->status(); });
}

Status ConsulMesh::setTtlStatus(const std::string& serviceId, const std::string& status) {
    std::lock_guard lock(mutex_);
    auto ttl = ownedTtl(serviceId);
    if (!ttl) {
        return ttl.error();
    }
    TtlWorker* w = *ttl;
    auto st = runtime_->run([w, &status] { return w->setStatus(status); });
    if (st) {
        publish(telemetry::LifecycleEvent::kTtlStatus, serviceId, {{"status", status}});
    }
    return st;
}

Result<ConsulMesh::Owned*> ConsulMesh::findOwned(const std::string& serviceId) {
    auto it = owned_.find(serviceId);
    if (it == owned_.end()) {
        return makeError(Code::ServiceNotOwned, serviceId + " was not started by this engine");
    }
    return &it->second;
}

Result<ProxySupervisor*> ConsulMesh::ownedProxy(const std::string& serviceId) {
    auto owned = findOwned(serviceId);
    if (!owned) {
        return owned.error();
    }
    if (!(*owned)->proxy) {
        return makeError(Code::NotFound, serviceId + " runs no proxy");
    }
    return (*owned)->proxy;
}

Result<TtlWorker*> ConsulMesh::ownedTtl(const std::string& serviceId) {
    auto owned = findOwned(serviceId);
    if (!owned) {
        return owned.error();
    }
    if (!(*owned)->ttl) {
        return makeError(Code::NotFound, serviceId + " has no TTL worker");
    }
    return (*owned)->ttl;
}

int ConsulMesh::reregistrations(const std::string& serviceId) {
    std::lock_guard lock(mutex_);
    auto it = owned_.find(serviceId);
    return it == owned_.end() ? 0 : it->second.reregistrations;
}

void ConsulMesh::onCheckLost(const std::string& serviceId) {
    std::lock_guard lock(mutex_);
    auto it = owned_.find(serviceId);
    if (it == owned_.end()) {
        return;  // stopped meanwhile
    }
    if (auto st = api_.call(ep::registerService(it->second.registration, true)); !st) {
        return;  // agent still away: the next TTL tick tries again
    }
    // The agent lost a proxy service's upstreams with it: put back the ones we last registered.
    if (!it->second.upstreams.empty()) {
        if (auto sidecar = findSidecar(serviceId); sidecar) {
            (void)registerUpstreams(*sidecar, it->second.upstreams);
        }
    }
    ++it->second.reregistrations;
    publish(telemetry::LifecycleEvent::kServiceRegistered, serviceId,
            {{"address", it->second.address.toString()}, {"reregistered", true}});
}

Result<std::vector<std::string>> ConsulMesh::removeLeftover(const std::string& serviceId) {
    std::lock_guard lock(mutex_);
    if (owned_.count(serviceId) > 0) {
        return makeError(Code::InvalidState, serviceId + " is run by this engine: stop it instead");
    }
    auto listed = api_.call(ep::agentServices());
    if (!listed) {
        return listed.error();
    }
    std::vector<std::string> removed;
    for (const std::string& each : {serviceId, serviceId + "-sidecar-proxy"}) {
        if (listed->count(each) > 0) {
            if (auto r = api_.call(ep::deregisterService(each)); !r) {
                return r.error();
            }
            removed.push_back(each);
        }
    }
    return removed;
}

}  // namespace meshx::mesh
