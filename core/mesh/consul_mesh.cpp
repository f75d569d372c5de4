#include "mesh/consul_mesh.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <optional>
#include <thread>

#include <unistd.h>

#include "consul/agent_endpoints.h"
#include "consul/agent_types.h"
#include "consul/consul_api.h"
#include "mesh/bind_retry.h"
#include "mesh/dummy_listener.h"
#include "mesh/listener_waiter.h"
#include "mesh/passing_waiter.h"
#include "mesh/port_allocator.h"
#include "mesh/proxy_host_pool.h"
#include "mesh/proxy_kind_registry.h"
#include "mesh/proxy_supervisor.h"
#include "mesh/start_plan.h"
#include "mesh/tap_advertisement.h"
#include "mesh/ttl_worker.h"
#include "telemetry/lifecycle_event.h"
#include "telemetry/telemetry_bus.h"
#include "template/template_renderer.h"

namespace meshx::mesh {

using nlohmann::json;
namespace ep = consul::endpoints;

namespace {

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

// Agent connections a batch keeps busy at once: enough to overlap the round trips with the
// agent's work, few enough not to crowd an agent other engines use too.
constexpr size_t kAgentConnections = 4;

// How long an idle proxy host may take to exit after its input is closed, before SIGKILL.
constexpr std::chrono::milliseconds kHostEndTimeout{3000};

// Runs f(i) for every i in [0, n) on up to `threads` threads, the caller's included.
template <typename F>
void forEachParallel(size_t n, size_t threads, F&& f) {
    std::atomic<size_t> next{0};
    auto work = [&] {
        for (size_t i = next.fetch_add(1); i < n; i = next.fetch_add(1)) {
            f(i);
        }
    };
    std::vector<std::thread> pool;
    for (size_t t = 1; t < std::min(threads, n); ++t) {
        pool.emplace_back(work);
    }
    work();
    for (auto& t : pool) {
        t.join();
    }
}

// A hosted sidecar's tap is its host's: the registration advertises the host's address (or none
// when the host's tap has no advertised address) instead of a socket of the sidecar's own.
void advertiseHostTap(json& registration, const std::string& sidecarTap,
                      const std::string& hostTap) {
    if (sidecarTap.empty() || !registration.is_object()) {
        return;
    }
    auto connect = registration.find("Connect");
    if (connect == registration.end() || !connect->is_object()) {
        return;
    }
    auto sidecar = connect->find("SidecarService");
    if (sidecar == connect->end() || !sidecar->is_object() || !sidecar->contains("Meta") ||
        !(*sidecar)["Meta"].is_object()) {
        return;
    }
    json& meta = (*sidecar)["Meta"];
    const char* key = "meshx-tap";
    if (meta.contains(key) && meta[key] == sidecarTap) {
        meta[key] = hostTap;
    }
}

// Where this engine's proxy hosts serve their tap: a socket of this process's own.
std::string hostTapAddress() {
    static std::atomic<int> serial{0};
    const char* listen = std::getenv("MESHX_TAP_LISTEN");
    if (listen != nullptr && std::string(listen) == "off") {
        return {};
    }
    return TapAdvertisement::sidecarTapAddress("meshx-proxy-host-" + std::to_string(::getpid()) +
                                               "-" + std::to_string(serial.fetch_add(1)));
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
    if (config_.proxyHost == "shared") {
        hosts_ = runtime_->run(
            [this] { return new ProxyHostPool(hostTapAddress(), runtime_->context()); });
    }
}

bool ConsulMesh::hosted(const std::vector<std::string>& argv) const {
    return hosts_ != nullptr && isMeshxProxyCommand(argv);
}

ConsulMesh::~ConsulMesh() {
    stopAll();
    recovery_.waitForDone();
    if (hosts_ != nullptr) {
        runtime_->run([this] { delete hosts_; });  // after every supervisor that used it
        hosts_ = nullptr;
    }
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
    auto planned = [&]() -> Result<StartPlan> {
        if (auto asked = requestedAddress(params)) {
            return renderStartPlan(params, tmpl, *asked, /*sampleAddress=*/false);
        }
        return renderStartPlan(params, tmpl,
                               net::Address::tcp(config_.portRangeIp, config_.portRangeMin),
                               /*sampleAddress=*/true);
    }();
    if (planned) {
        // What start adds to the rendering: where the taps are advertised.
        const auto ad =
            TapAdvertisement::apply(planned->registration, planned->serviceId, planned->proxy);
        if (hosted(planned->proxy)) {
            advertiseHostTap(planned->registration, ad.sidecarTap, hosts_->tapAddress());
        }
    }
    return planned;
}

Result<Started> ConsulMesh::start(const ServiceParams& params, const ServiceTemplate& tmpl,
                                  bool forceRegistration, std::chrono::milliseconds timeout) {
    std::lock_guard lock(mutex_);
    return startLocked(params, tmpl, forceRegistration, timeout);
}

std::set<uint16_t> ConsulMesh::portsOf(
    const std::map<std::string, consul::AgentService>& services) {
    std::set<uint16_t> known;
    auto add = [&known](int port) {
        if (port > 0 && port <= 65535) {
            known.insert(static_cast<uint16_t>(port));
        }
    };
    // Whatever the address: a port registered on another ip of this host is rare, and skipping
    // it costs one port, while handing it out could put two services behind one port.
    for (const auto& [id, s] : services) {
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

Result<std::set<uint16_t>> ConsulMesh::portsKnownToAgent() {
    auto services = api_.call(ep::agentServices());
    if (!services) {
        return services.error();
    }
    return portsOf(*services);
}

Result<std::shared_ptr<net::PortClaim>> ConsulMesh::claimPort(PortAllocator::Direction direction) {
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
    return std::shared_ptr<net::PortClaim>(std::move(*claimed));
}

Result<ConsulMesh::Prepared> ConsulMesh::prepare(const ServiceParams& params,
                                                 const ServiceTemplate& tmpl,
                                                 std::shared_ptr<net::PortClaim> claim,
                                                 std::set<uint16_t>* known) {
    if (params.hash.contains("name") &&
        (!params.hash["name"].is_string() || params.hash["name"].get<std::string>().empty())) {
        return makeError(Code::InvalidArgument, "service name must be a non-empty string");
    }
    Prepared p;
    const auto asked = claim ? std::nullopt : requestedAddress(params);
    if (asked) {
        p.address = *asked;
    } else {
        if (!claim) {
            if (known != nullptr) {
                auto claimed = ports_->claim(PortAllocator::Direction::Up, *known);
                if (!claimed) {
                    return claimed.error();
                }
                claim = std::shared_ptr<net::PortClaim>(std::move(*claimed));
                known->insert(claim->port());
            } else {
                auto claimed = claimPort(PortAllocator::Direction::Up);
                if (!claimed) {
                    return claimed.error();
                }
                claim = std::move(*claimed);
            }
        }
        p.address = claim->address();
    }
    p.claim = std::move(claim);

    // The one render path: what plan() showed is what gets registered and run.
    auto planned = renderStartPlan(params, tmpl, p.address, /*sampleAddress=*/false);
    if (!planned) {
        return planned.error();
    }
    p.name = planned->serviceName;
    p.serviceId = planned->serviceId;
    p.registration = std::move(planned->registration);
    if (planned->ttl) {
        p.checkId = planned->ttl->checkId;
        p.ttlStatus = planned->ttl->status;
        p.ttlInterval = std::chrono::milliseconds(planned->ttl->intervalMs);
    }
    p.argv = std::move(planned->proxy);
    // The taps of this process and of the sidecar, found through the agent (docs/taps.md).
    const auto ad = TapAdvertisement::apply(p.registration, p.serviceId, p.argv);
    p.proxyEnv = ad.proxyEnv;
    if (hosted(p.argv)) {
        advertiseHostTap(p.registration, ad.sidecarTap, hosts_->tapAddress());
        p.proxyEnv.clear();  // the host's environment names its one tap (ProxyHostPool)
    }
    return p;
}

Status ConsulMesh::checkOwnership(const std::string& serviceId, bool passing,
                                  bool forceRegistration) {
    const bool owned = owned_.count(serviceId) > 0;
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
    return {};
}

Status ConsulMesh::registerPrepared(const Prepared& p) {
    if (auto r = api_.call(ep::registerService(p.registration, /*replaceExistingChecks=*/true));
        !r) {
        return r.error();
    }
    publish(telemetry::LifecycleEvent::kServiceRegistered, p.serviceId,
            {{"address", p.address.toString()}});
    return {};
}

// Runtime thread.
TtlWorker* ConsulMesh::startTtl(const Prepared& p) {
    if (p.checkId.empty()) {
        return nullptr;
    }
    // The first update goes out from start() itself: the wait for passing that follows is one
    // agent round trip, not a fixed delay.
    auto* w = new TtlWorker(api_, p.serviceId, p.checkId, p.ttlStatus, p.ttlInterval,
                            std::chrono::milliseconds(0), runtime_->context());
    QObject::connect(w, &TtlWorker::checkLost, w, [this](const QString& id) {
        recovery_.start([this, sid = id.toStdString()] { onCheckLost(sid); });
    });
    w->start();
    return w;
}

ProxySupervisor* ConsulMesh::newProxy(const Prepared& p) {
    auto options = ProxySupervisor::Options::fromConfig(config_);
    options.extraEnv.insert(p.proxyEnv.begin(), p.proxyEnv.end());
    if (hosted(p.argv)) {
        options.hosts = hosts_;
    }
    return new ProxySupervisor(p.serviceId, p.argv, config_, std::move(options),
                               runtime_->context());
}

// Runtime thread.
Result<ProxySupervisor*> ConsulMesh::startProxy(const Prepared& p) {
    auto* s = newProxy(p);
    if (auto st = s->start(); !st) {
        delete s;
        return st.error();
    }
    return s;
}

Result<Started> ConsulMesh::startLocked(const ServiceParams& params, const ServiceTemplate& tmpl,
                                        bool forceRegistration, std::chrono::milliseconds timeout,
                                        std::shared_ptr<net::PortClaim> claim) {
    auto prepared = prepare(params, tmpl, std::move(claim), nullptr);
    if (!prepared) {
        return prepared.error();
    }
    const Prepared& p = *prepared;
    if (auto st = checkOwnership(p.serviceId, isPassing(p.serviceId), forceRegistration); !st) {
        return st.error();
    }
    Owned record;
    record.registration = p.registration;
    record.address = p.address;
    if (p.claim) {
        record.claims.push_back(p.claim);
    }
    auto fail = [&](Error error) -> Result<Started> {
        teardown(p.serviceId, record);
        return error;
    };

    if (auto st = registerPrepared(p); !st) {
        return fail(st.error());
    }
    record.ttl = runtime_->run([&] { return startTtl(p); });
    if (!p.argv.empty()) {
        auto started = runtime_->run([&] { return startProxy(p); });
        if (!started) {
            return fail(started.error());
        }
        record.proxy = *started;
    }
    if (timeout.count() > 0) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        if (auto st = waitPassing(p.name, p.serviceId, timeout, record.proxy); !st) {
            return fail(st.error());
        }
        // Started means the sidecar accepts connections, not only that the service passes.
        ListenerWaiter listeners(*runtime_, {record.proxy}, {p.serviceId});
        if (auto st = listeners.wait(deadline, timeout).front(); !st) {
            return fail(st.error());
        }
    }
    owned_[p.serviceId] = record;
    return Started{p.serviceId, p.address};
}

Status ConsulMesh::proxyStartFailure(const std::string& serviceId, ProxySupervisor* proxy) {
    if (proxy == nullptr) {
        return {};
    }
    // A proxy that exits while its service starts is a failed start, even if a restart would
    // follow: the caller hears the exit reason now rather than a flapping sidecar.
    const auto info = runtime_->run([proxy] { return proxy->info(); });
    if (info.restarts > 0 || info.state == ProxyState::Restarting ||
        info.state == ProxyState::GaveUp || info.state == ProxyState::Stopped) {
        return makeError(
            Code::ProxyFailed,
            "the proxy of " + serviceId + " exited during start-up (" + info.lastExitReason + ")");
    }
    return {};
}

// A proxy's exit interrupts the waits for passing: a start learns of a dying sidecar at once.
struct ConsulMesh::ExitWatch {
    ExitWatch(MeshRuntime& runtime, const std::vector<ProxySupervisor*>& proxies,
              const WaitInterrupt& interrupt) {
        runtime.run([&] {
            for (ProxySupervisor* p : proxies) {
                if (p != nullptr) {
                    connections.push_back(QObject::connect(p, &ProxySupervisor::exited, p,
                                                           [interrupt] { interrupt.fire(); }));
                }
            }
        });
    }
    ~ExitWatch() {
        for (const auto& c : connections) {
            QObject::disconnect(c);
        }
    }
    ExitWatch(const ExitWatch&) = delete;
    ExitWatch& operator=(const ExitWatch&) = delete;
    std::vector<QMetaObject::Connection> connections;
};

Status ConsulMesh::waitPassing(const std::string& name, const std::string& serviceId,
                               std::chrono::milliseconds timeout, ProxySupervisor* proxy) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    WaitInterrupt interrupt;
    ExitWatch watch(*runtime_, {proxy}, interrupt);
    PassingWaiter waiter(api_);
    uint64_t seen = 0;
    while (true) {
        if (auto st = proxyStartFailure(serviceId, proxy); !st) {
            return st;
        }
        auto left = waiter.wait(name, {serviceId}, deadline, interrupt, seen);
        if (!left) {
            return left.error();
        }
        if (left->empty()) {
            // One last look: an exit the runtime thread has already seen is a failed start.
            return proxyStartFailure(serviceId, proxy);
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            return makeError(
                Code::ServiceAliveTimeout,
                serviceId + " was not passing after " + std::to_string(timeout.count()) + " ms");
        }
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
        if (hosts_ != nullptr) {
            hosts_->endIdle(kHostEndTimeout);  // no host process outlives its last sidecar
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
    std::vector<std::pair<std::string, Owned>> records(owned_.begin(), owned_.end());
    owned_.clear();
    teardownBatch(records);
}

std::vector<Status> ConsulMesh::stopBatch(const std::vector<std::string>& serviceIds) {
    std::lock_guard lock(mutex_);
    std::vector<Status> out;
    out.reserve(serviceIds.size());
    std::vector<std::pair<std::string, Owned>> records;
    for (const auto& id : serviceIds) {
        auto owned = findOwned(id);
        if (!owned) {
            out.emplace_back(owned.error());
            continue;
        }
        records.emplace_back(id, **owned);
        owned_.erase(id);
        out.emplace_back();
    }
    teardownBatch(records);
    return out;
}

void ConsulMesh::teardownBatch(std::vector<std::pair<std::string, Owned>>& records) {
    if (records.empty()) {
        return;
    }
    runtime_->run([&] {
        // Every proxy gets its SIGTERM first, so they exit together and the waits below add up
        // to the slowest exit, not to the sum of them.
        for (auto& [id, owned] : records) {
            if (owned.proxy) {
                owned.proxy->stop();
            }
            if (owned.ttl) {
                owned.ttl->halt();  // its check goes with the service deregistered below
            }
        }
        for (auto& [id, owned] : records) {
            if (owned.proxy) {
                owned.proxy->stopAndWait();
                delete owned.proxy;
                owned.proxy = nullptr;
            }
            delete owned.ttl;
            owned.ttl = nullptr;
            delete owned.dummy;
            owned.dummy = nullptr;
        }
        if (hosts_ != nullptr) {
            hosts_->endIdle(kHostEndTimeout);
        }
    });
    // One sidecar listing for the whole batch (a findSidecar per service lists them all each
    // time). Sidecars go first, as in teardown().
    std::multimap<std::string, std::string> sidecarsOf;
    if (auto sidecars = api_.call(ep::agentServices(R"(Kind == "connect-proxy")")); sidecars) {
        for (const auto& [sid, s] : *sidecars) {
            if (!s.proxy) {
                continue;
            }
            sidecarsOf.emplace(s.proxy->destinationServiceId, sid);
            if (s.proxy->destinationServiceName != s.proxy->destinationServiceId) {
                sidecarsOf.emplace(s.proxy->destinationServiceName, sid);
            }
        }
    }
    forEachParallel(records.size(), kAgentConnections, [&](size_t i) {
        const std::string& id = records[i].first;
        auto [from, to] = sidecarsOf.equal_range(id);
        for (auto it = from; it != to; ++it) {
            (void)api_.call(ep::deregisterService(it->second));
        }
        (void)api_.call(ep::deregisterService(id));
        publish(telemetry::LifecycleEvent::kServiceDeregistered, id);
    });
    records.clear();  // drops the port claims
}

std::vector<Result<Started>> ConsulMesh::startBatch(const std::vector<ServiceParams>& params,
                                                    const ServiceTemplate& tmpl,
                                                    bool forceRegistration,
                                                    std::chrono::milliseconds timeout) {
    std::lock_guard lock(mutex_);
    const size_t n = params.size();
    std::vector<Result<Started>> out(n, Result<Started>(makeError(Code::Internal, "not started")));
    if (n == 0) {
        return out;
    }
    // One look at the agent for the whole batch: what it has registered (ports in use, ids) and
    // which services pass, where n single starts would ask 2n times, each listing growing.
    auto services = api_.call(ep::agentServices());
    auto checks = services ? api_.call(ep::agentChecks())
                           : Result<std::map<std::string, consul::HealthCheck>>(services.error());
    if (!checks) {
        std::fill(out.begin(), out.end(), Result<Started>(checks.error()));
        return out;
    }
    std::set<std::string> notPassing;
    for (const auto& [cid, c] : *checks) {
        if (c.status != "passing") {
            notPassing.insert(c.serviceId);
        }
    }
    std::set<uint16_t> known = portsOf(*services);

    std::vector<Prepared> prepared(n);
    std::vector<Owned> records(n);
    std::vector<bool> live(n, false);
    std::set<std::string> ids;
    for (size_t i = 0; i < n; ++i) {
        auto p = prepare(params[i], tmpl, nullptr, &known);
        if (!p) {
            out[i] = p.error();
            continue;
        }
        const bool passing = services->count(p->serviceId) > 0 && !notPassing.count(p->serviceId);
        if (auto st = checkOwnership(p->serviceId, passing, forceRegistration); !st) {
            out[i] = st.error();
            continue;
        }
        if (!ids.insert(p->serviceId).second) {
            out[i] = makeError(Code::InvalidArgument, p->serviceId + " is twice in the batch");
            continue;
        }
        prepared[i] = std::move(*p);
        records[i].registration = prepared[i].registration;
        records[i].address = prepared[i].address;
        if (prepared[i].claim) {
            records[i].claims.push_back(prepared[i].claim);
        }
        live[i] = true;
    }

    std::vector<bool> failed(n, false);
    auto fail = [&](size_t i, Error e) {
        out[i] = std::move(e);
        failed[i] = true;
        live[i] = false;
    };
    std::vector<Status> registered(n);
    forEachParallel(n, kAgentConnections, [&](size_t i) {
        if (live[i]) {
            registered[i] = registerPrepared(prepared[i]);
        }
    });
    for (size_t i = 0; i < n; ++i) {
        if (live[i] && !registered[i]) {
            fail(i, registered[i].error());
        }
    }
    runtime_->run([&] {
        for (size_t i = 0; i < n; ++i) {
            if (live[i]) {
                records[i].ttl = startTtl(prepared[i]);
            }
        }
    });
    // Every proxy forked first, then each exec waited for: the execs overlap.
    runtime_->run([&] {
        std::vector<std::pair<size_t, ProxySupervisor*>> begun;
        for (size_t i = 0; i < n; ++i) {
            if (!live[i] || prepared[i].argv.empty()) {
                continue;
            }
            auto* s = newProxy(prepared[i]);
            if (auto st = s->beginStart(); !st) {
                delete s;
                fail(i, st.error());
                continue;
            }
            begun.emplace_back(i, s);
        }
        for (auto [i, s] : begun) {
            if (auto st = s->finishStart(); !st) {
                delete s;
                fail(i, st.error());
                continue;
            }
            records[i].proxy = s;
        }
    });

    if (timeout.count() > 0) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        std::map<std::string, std::vector<size_t>> byName;
        std::vector<ProxySupervisor*> proxies;
        for (size_t i = 0; i < n; ++i) {
            if (live[i]) {
                byName[prepared[i].name].push_back(i);
                proxies.push_back(records[i].proxy);
            }
        }
        WaitInterrupt interrupt;
        ExitWatch watch(*runtime_, proxies, interrupt);
        PassingWaiter waiter(api_);
        uint64_t seen = 0;
        // The proxies that exited so far, in one hop.
        auto failProxies = [&](const std::vector<size_t>& group) {
            std::vector<std::pair<size_t, std::string>> exited;
            runtime_->run([&] {
                for (size_t i : group) {
                    ProxySupervisor* p = records[i].proxy;
                    if (!live[i] || p == nullptr) {
                        continue;
                    }
                    const auto info = p->info();
                    if (info.restarts > 0 || info.state == ProxyState::Restarting ||
                        info.state == ProxyState::GaveUp || info.state == ProxyState::Stopped) {
                        exited.emplace_back(i, info.lastExitReason);
                    }
                }
            });
            for (const auto& [i, why] : exited) {
                fail(i, makeError(Code::ProxyFailed, "the proxy of " + prepared[i].serviceId +
                                                         " exited during start-up (" + why + ")"));
            }
        };
        for (const auto& [name, group] : byName) {
            while (true) {
                failProxies(group);
                std::set<std::string> pending;
                for (size_t i : group) {
                    if (live[i]) {
                        pending.insert(prepared[i].serviceId);
                    }
                }
                if (pending.empty()) {
                    break;
                }
                auto left = waiter.wait(name, pending, deadline, interrupt, seen);
                if (left && left->empty()) {
                    failProxies(group);  // one last look, as start() does
                    break;
                }
                if (!left || std::chrono::steady_clock::now() >= deadline) {
                    for (size_t i : group) {
                        if (live[i] && (!left || left->count(prepared[i].serviceId))) {
                            fail(i, left ? makeError(Code::ServiceAliveTimeout,
                                                     prepared[i].serviceId +
                                                         " was not passing after " +
                                                         std::to_string(timeout.count()) + " ms")
                                         : left.error());
                        }
                    }
                    break;
                }
            }
        }
        // Started means every sidecar accepts connections (one wait for the whole batch).
        std::vector<ProxySupervisor*> listening;
        std::vector<std::string> listeningIds;
        std::vector<size_t> index;
        for (size_t i = 0; i < n; ++i) {
            if (live[i] && records[i].proxy != nullptr) {
                listening.push_back(records[i].proxy);
                listeningIds.push_back(prepared[i].serviceId);
                index.push_back(i);
            }
        }
        if (!listening.empty()) {
            ListenerWaiter listeners(*runtime_, listening, listeningIds);
            const auto results = listeners.wait(deadline, timeout);
            for (size_t k = 0; k < results.size(); ++k) {
                if (!results[k]) {
                    fail(index[k], results[k].error());
                }
            }
        }
    }

    std::vector<std::pair<std::string, Owned>> undo;
    for (size_t i = 0; i < n; ++i) {
        if (failed[i]) {
            undo.emplace_back(prepared[i].serviceId, records[i]);
        } else if (live[i]) {
            owned_[prepared[i].serviceId] = records[i];
            out[i] = Started{prepared[i].serviceId, prepared[i].address};
        }
    }
    teardownBatch(undo);
    return out;
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
    std::shared_ptr<net::PortClaim> claim;
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
    std::vector<std::shared_ptr<net::PortClaim>> claims;  // kept only once registered
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
        std::shared_ptr<net::PortClaim> upstreamClaim;
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
