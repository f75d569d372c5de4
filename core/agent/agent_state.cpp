#include "agent/agent_state.h"

#include <arpa/inet.h>

#include <algorithm>

#include "agent/go_duration.h"
#include "agent/index_keys.h"
#include "agent/registration_validator.h"

namespace meshx::agent {

namespace {

constexpr const char* kNodeMaintenance = "_node_maintenance";
constexpr const char* kServiceMaintenancePrefix = "_service_maintenance:";

Error notFound(std::string message) {
    return makeError(Code::NotFound, std::move(message));
}

std::string unknownCheck(const std::string& id) {
    return "Unknown check ID " + goQuote(id) +
           ". Ensure that the check ID is passed, not the check name.";
}

std::string unknownService(const std::string& id) {
    return "Unknown service ID " + goQuote(id) +
           ". Ensure that the service ID is passed, not the service name.";
}

// Problems Consul finds when it adds a check at run time (500, not 400).
std::string runtimeProblem(const CheckType& c) {
    if (c.isScript() || !c.dockerContainerId.empty()) {
        return "Scripts are disabled on this agent; to enable, configure 'enable_script_checks' "
               "or 'enable_local_script_checks' to true";
    }
    if (c.type().empty()) {
        return "Check type is not valid";
    }
    return "";
}

// Go's net.ParseIP: 4 for an IPv4 (or IPv4-mapped IPv6) literal, 6 for IPv6, 0 otherwise.
int ipVersion(const std::string& address) {
    unsigned char buf[16];
    if (inet_pton(AF_INET, address.c_str(), buf) == 1) {
        return 4;
    }
    if (inet_pton(AF_INET6, address.c_str(), buf) == 1) {
        const bool mapped = std::all_of(buf, buf + 10, [](unsigned char b) { return b == 0; }) &&
                            buf[10] == 0xff && buf[11] == 0xff;
        return mapped ? 4 : 6;
    }
    return 0;
}

// What Consul's agent adds to a service with an IP address (addServiceInternal): lan_ipv4 and
// wan_ipv4 (or the _ipv6 pair) with the service's address and port, unless already tagged.
void addDefaultTaggedAddresses(ServiceRecord& rec) {
    const int version = ipVersion(rec.address);
    if (version == 0) {
        return;
    }
    const std::string suffix = version == 4 ? "_ipv4" : "_ipv6";
    for (const std::string prefix : {"lan", "wan"}) {
        rec.taggedAddresses.try_emplace(prefix + suffix, TaggedAddress{rec.address, rec.port});
    }
}

bool isMaintenance(const std::string& checkId) {
    return checkId == kNodeMaintenance || checkId.rfind(kServiceMaintenancePrefix, 0) == 0;
}

}  // namespace

ServiceRecord serviceRecordFrom(const ServiceDefinition& def) {
    ServiceRecord r;
    r.kind = def.kind;
    r.id = def.id;
    r.service = def.name;
    r.tags = def.tags.value_or(std::vector<std::string>{});
    r.meta = def.meta.value_or(std::map<std::string, std::string>{});
    r.port = def.port;
    r.address = def.address;
    r.socketPath = def.socketPath;
    r.taggedAddresses = def.taggedAddresses;
    r.weights = def.weights.value_or(Weights{});
    r.enableTagOverride = def.enableTagOverride;
    r.proxy = def.proxy;
    if (r.proxy) {
        for (Upstream& u : r.proxy->upstreams) {
            if (u.destinationType.empty()) {
                u.destinationType = "service";
            }
        }
    }
    r.connectNative = def.connectNative;
    r.token = def.token;
    return r;
}

AgentState::AgentState(Options options, IndexTable& indexes, const Clock& clock)
    : options_(std::move(options)),
      indexes_(indexes),
      remote_(indexes),
      clock_(clock),
      expander_(options_.sidecarMinPort, options_.sidecarMaxPort, options_.skipSidecarPortsInUse,
                options_.sidecarPortClaimDir) {
    Change change(indexes_);
    const uint64_t idx = change.index();
    options_.node.createIndex = options_.node.modifyIndex = idx;
    // A dev agent advertises one address on LAN and WAN.
    if (options_.node.taggedAddresses.empty()) {
        const std::string& a = options_.node.address;
        options_.node.taggedAddresses = {{"lan", a}, {"lan_ipv4", a}, {"wan", a}, {"wan_ipv4", a}};
    }
    if (options_.node.meta.empty()) {
        options_.node.meta = {{"consul-network-segment", ""}};
    }

    // A dev agent is a server: its `consul` service shows in the catalog, not in /agent/services.
    consulService_.id = "consul";
    consulService_.service = "consul";
    consulService_.port = 8300;
    consulService_.meta = {{"non_voter", "false"},     {"raft_version", "3"},
                           {"read_replica", "false"},  {"serf_protocol_current", "2"},
                           {"serf_protocol_max", "5"}, {"serf_protocol_min", "1"},
                           {"version", "1.16.0"}};
    consulService_.createIndex = consulService_.modifyIndex = idx;

    serfHealth_.checkId = "serfHealth";
    serfHealth_.name = "Serf Health Status";
    serfHealth_.status = kHealthPassing;
    serfHealth_.output = "Agent alive and reachable";
    serfHealth_.createIndex = serfHealth_.modifyIndex = idx;

    change.touch(index_keys::kNodes);
    change.touch(index_keys::kServices);
    change.touch(index_keys::service("consul"));
    change.touch(index_keys::kChecks);
    change.touch(index_keys::kNodeChecks);
}

const ServiceRecord* AgentState::service(const std::string& id) const {
    auto it = services_.find(id);
    return it == services_.end() ? nullptr : &it->second;
}

const CheckRecord* AgentState::check(const std::string& id) const {
    auto it = checks_.find(id);
    return it == checks_.end() ? nullptr : &it->second;
}

std::vector<const CheckRecord*> AgentState::serviceChecks(const std::string& serviceId) const {
    std::vector<const CheckRecord*> out;
    if (serviceId.empty()) {
        return out;
    }
    auto it = checksByService_.find(serviceId);
    if (it != checksByService_.end()) {
        for (const auto& id : it->second) {
            out.push_back(&checks_.at(id));
        }
    }
    return out;
}

std::vector<const CheckRecord*> AgentState::localNodeChecks() const {
    std::vector<const CheckRecord*> out;
    auto it = checksByService_.find("");
    if (it != checksByService_.end()) {
        for (const auto& id : it->second) {
            out.push_back(&checks_.at(id));
        }
    }
    return out;
}

std::vector<const CheckRecord*> AgentState::catalogNodeChecks() const {
    std::vector<const CheckRecord*> out{&serfHealth_};
    for (const CheckRecord* c : localNodeChecks()) {
        out.push_back(c);
    }
    return out;
}

std::vector<const ServiceRecord*> AgentState::catalogServices() const {
    std::vector<const ServiceRecord*> out;
    bool consulDone = false;
    for (const auto& [id, svc] : services_) {
        if (!consulDone && consulService_.id < id) {
            out.push_back(&consulService_);
            consulDone = true;
        }
        if (id == consulService_.id) {
            consulDone = true;  // a local service named like it hides the server entry
        }
        out.push_back(&svc);
    }
    if (!consulDone) {
        out.push_back(&consulService_);
    }
    return out;
}

std::vector<const ServiceRecord*> AgentState::catalogInstances(const std::string& name) const {
    std::vector<const ServiceRecord*> out;
    if (name == consulService_.service && services_.count(consulService_.id) == 0) {
        out.push_back(&consulService_);
    }
    if (auto it = idsByName_.find(name); it != idsByName_.end()) {
        for (const auto& id : it->second) {
            out.push_back(&services_.at(id));
        }
    }
    return out;
}

std::vector<const ServiceRecord*> AgentState::connectInstances(const std::string& name) const {
    std::vector<const ServiceRecord*> out;
    if (auto it = idsByConnectName_.find(name); it != idsByConnectName_.end()) {
        for (const auto& id : it->second) {
            out.push_back(&services_.at(id));
        }
    }
    return out;
}

void AgentState::indexService(const ServiceRecord& svc, bool add) {
    auto update = [&](std::map<std::string, std::set<std::string>>& index, const std::string& key) {
        if (add) {
            index[key].insert(svc.id);
            return;
        }
        auto it = index.find(key);
        if (it != index.end()) {
            it->second.erase(svc.id);
            if (it->second.empty()) {
                index.erase(it);
            }
        }
    };
    update(idsByName_, svc.service);
    if (svc.kind == "connect-proxy" && svc.proxy) {
        update(idsByConnectName_, svc.proxy->destinationServiceName);
    }
    if (svc.connectNative) {
        update(idsByConnectName_, svc.service);
    }
}

void AgentState::setTtlDeadline(CheckRecord& check,
                                std::optional<std::chrono::steady_clock::time_point> deadline) {
    if (check.ttlDeadline) {
        ttlQueue_.erase({*check.ttlDeadline, check.checkId});
    }
    check.ttlDeadline = deadline;
    if (deadline) {
        ttlQueue_.insert({*deadline, check.checkId});
    }
}

std::string AgentState::aggregatedStatus(const std::string& serviceId) const {
    bool warning = false;
    bool critical = false;
    bool maintenance = false;
    auto fold = [&](const CheckRecord* c) {
        if (isMaintenance(c->checkId)) {
            maintenance = true;
        } else if (c->status == kHealthCritical) {
            critical = true;
        } else if (c->status == kHealthWarning) {
            warning = true;
        }
    };
    for (const CheckRecord* c : localNodeChecks()) {
        fold(c);
    }
    for (const CheckRecord* c : serviceChecks(serviceId)) {
        fold(c);
    }
    if (maintenance) {
        return kHealthMaintenance;
    }
    if (critical) {
        return kHealthCritical;
    }
    if (warning) {
        return kHealthWarning;
    }
    return kHealthPassing;
}

Status AgentState::registerService(ServiceDefinition def, bool replaceExistingChecks) {
    if (auto s = validateServiceDefinition(def); !s) {
        return s;
    }
    if (def.id.empty()) {
        def.id = def.name;
    }
    std::optional<ServiceDefinition> sidecar;
    std::unique_ptr<net::PortClaim> sidecarClaim;
    if (def.sidecarService) {
        auto expanded = expander_.expand(def, services_, &sidecarClaim);
        if (!expanded) {
            return expanded.error();
        }
        if (auto s = validateExpandedSidecar(*expanded); !s) {
            return s;
        }
        sidecar = std::move(*expanded);
    }
    for (const CheckType& c : def.checks) {
        if (std::string p = runtimeProblem(c); !p.empty()) {
            return makeError(Code::Internal, p);
        }
    }
    if (sidecar) {
        for (const CheckType& c : sidecar->checks) {
            if (std::string p = runtimeProblem(c); !p.empty()) {
                return makeError(Code::Internal, p);
            }
        }
    }
    Change change(indexes_);
    std::set<std::string> affected;
    if (auto s = addService(def, "", replaceExistingChecks, change, affected); !s) {
        return s;
    }
    if (sidecar) {
        if (auto s = addService(*sidecar, def.id, replaceExistingChecks, change, affected); !s) {
            return s;
        }
        if (sidecarClaim != nullptr) {
            sidecarClaims_[sidecar->id] = std::move(sidecarClaim);
        } else if (auto held = sidecarClaims_.find(sidecar->id);
                   held != sidecarClaims_.end() && held->second->port() != sidecar->port) {
            sidecarClaims_.erase(held);  // re-registered on a port of its own choosing
        }
    }
    refreshAliases(affected, change);
    change.commit();
    flushCheckEvents();
    return {};
}

Status AgentState::addService(const ServiceDefinition& def, const std::string& sidecarOf,
                              bool replaceExistingChecks, Change& change,
                              std::set<std::string>& affected) {
    ServiceRecord rec = serviceRecordFrom(def);
    rec.sidecarOf = sidecarOf;
    addDefaultTaggedAddresses(rec);
    auto existing = services_.find(rec.id);
    if (existing != services_.end()) {
        touchServiceKeys(existing->second, change, true);  // old name / destination too
        indexService(existing->second, false);
        rec.createIndex = existing->second.createIndex;
    } else {
        rec.createIndex = change.index();
    }
    rec.modifyIndex = change.index();
    services_[rec.id] = rec;
    indexService(rec, true);
    touchServiceKeys(rec, change, true);
    affected.insert(rec.id);

    // Check records, with Consul's ID and name defaults.
    const auto now = clock_.steadyNow();
    std::set<std::string> declared;
    for (size_t i = 0; i < def.checks.size(); ++i) {
        const CheckType& ct = def.checks[i];
        CheckRecord c;
        c.checkId = ct.checkId;
        if (c.checkId.empty()) {
            c.checkId = "service:" + rec.id;
            if (def.checks.size() > 1) {
                c.checkId += ":" + std::to_string(i + 1);
            }
        }
        c.name = ct.name.empty() ? "Service '" + rec.service + "' check" : ct.name;
        c.status = ct.status.empty() ? kHealthCritical : ct.status;
        c.notes = ct.notes;
        c.serviceId = rec.id;
        c.serviceName = rec.service;
        c.serviceTags = rec.tags;
        c.type = ct.type();
        c.definition = ct;
        if (ct.isTtl()) {
            c.ttlDeadline = now + ct.ttl;
        }
        // A re-declared check keeps its state (Consul snapshots and restores it).
        if (auto old = checks_.find(c.checkId); old != checks_.end()) {
            c.status = old->second.status;
            c.output = old->second.output;
            c.lastOutput = old->second.lastOutput;
        }
        declared.insert(c.checkId);
        putCheck(std::move(c), change, affected);
    }
    std::vector<std::string> drop;
    for (const CheckRecord* c : serviceChecks(rec.id)) {
        if (declared.count(c->checkId) != 0) {
            continue;
        }
        if (replaceExistingChecks) {
            drop.push_back(c->checkId);
        } else if (c->serviceName != rec.service || c->serviceTags != rec.tags) {
            CheckRecord& kept = checks_.at(c->checkId);
            kept.serviceName = rec.service;
            kept.serviceTags = rec.tags;
            kept.modifyIndex = change.index();
            touchCheckKeys(kept, change);
        }
    }
    for (const auto& id : drop) {
        removeCheck(id, change, affected);
    }
    return {};
}

Status AgentState::deregisterService(const std::string& id) {
    auto it = services_.find(id);
    if (it == services_.end()) {
        return notFound(unknownService(id));
    }
    Change change(indexes_);
    std::set<std::string> affected;
    const std::string sidecarId = SidecarExpander::sidecarId(id);
    removeService(id, change, affected);
    if (auto sc = services_.find(sidecarId); sc != services_.end() && sc->second.sidecarOf == id) {
        removeService(sidecarId, change, affected);
    }
    refreshAliases(affected, change);
    change.commit();
    flushCheckEvents();
    return {};
}

void AgentState::removeService(const std::string& id, Change& change,
                               std::set<std::string>& affected) {
    std::vector<std::string> ids;
    for (const CheckRecord* c : serviceChecks(id)) {
        ids.push_back(c->checkId);
    }
    for (const auto& checkId : ids) {
        removeCheck(checkId, change, affected);
    }
    touchServiceKeys(services_.at(id), change, true);
    indexService(services_.at(id), false);
    services_.erase(id);
    sidecarClaims_.erase(id);
    checksByService_.erase(id);
    affected.insert(id);
}

Status AgentState::registerCheck(CheckType def) {
    const ServiceRecord* svc = nullptr;
    if (!def.serviceId.empty()) {
        svc = service(def.serviceId);
        if (svc == nullptr) {
            return notFound("ServiceID " + goQuote(def.serviceId) + " does not exist");
        }
    }
    if (std::string p = runtimeProblem(def); !p.empty()) {
        return makeError(Code::Internal, p);
    }
    CheckRecord c;
    c.checkId = def.checkId.empty() ? def.name : def.checkId;
    c.name = def.name;
    c.status = def.status.empty() ? kHealthCritical : def.status;
    c.notes = def.notes;
    if (svc != nullptr) {
        c.serviceId = svc->id;
        c.serviceName = svc->service;
        c.serviceTags = svc->tags;
    }
    c.type = def.type();
    if (def.isTtl()) {
        c.ttlDeadline = clock_.steadyNow() + def.ttl;
    }
    def.token.clear();
    c.definition = std::move(def);
    Change change(indexes_);
    std::set<std::string> affected;
    putCheck(std::move(c), change, affected);
    refreshAliases(affected, change);
    change.commit();
    flushCheckEvents();
    return {};
}

Status AgentState::deregisterCheck(const std::string& id) {
    if (checks_.count(id) == 0) {
        return notFound(unknownCheck(id));
    }
    Change change(indexes_);
    std::set<std::string> affected;
    removeCheck(id, change, affected);
    refreshAliases(affected, change);
    change.commit();
    flushCheckEvents();
    return {};
}

Status AgentState::updateTtlCheck(const std::string& id, const std::string& status,
                                  const std::string& output) {
    auto it = checks_.find(id);
    if (it == checks_.end()) {
        return notFound(unknownCheck(id));
    }
    CheckRecord& c = it->second;
    if (!c.definition.isTtl()) {
        return makeError(Code::Internal,
                         "CheckID " + goQuote(id) + " does not have associated TTL");
    }
    const std::string out = truncateOutput(c, output);
    Change change(indexes_);
    std::set<std::string> affected;
    setStatus(c, status, out, change, affected);
    c.lastOutput = out;
    setTtlDeadline(c, clock_.steadyNow() + c.definition.ttl);
    refreshAliases(affected, change);
    change.commit();
    return {};
}

Status AgentState::setServiceMaintenance(const std::string& id, bool enable,
                                         const std::string& reason) {
    const ServiceRecord* svc = service(id);
    if (svc == nullptr) {
        return notFound(unknownService(id));
    }
    const std::string checkId = kServiceMaintenancePrefix + id;
    Change change(indexes_);
    std::set<std::string> affected;
    if (enable && checks_.count(checkId) == 0) {
        CheckRecord c;
        c.checkId = checkId;
        c.name = "Service Maintenance Mode";
        c.notes = reason.empty() ? "Maintenance mode is enabled for this service, but no reason "
                                   "was provided. This is a default message."
                                 : reason;
        c.status = kHealthCritical;
        c.serviceId = svc->id;
        c.serviceName = svc->service;
        c.serviceTags = svc->tags;
        c.type = "maintenance";
        putCheck(std::move(c), change, affected);
    } else if (!enable && checks_.count(checkId) != 0) {
        removeCheck(checkId, change, affected);
    }
    refreshAliases(affected, change);
    change.commit();
    flushCheckEvents();
    return {};
}

void AgentState::applyProbeResult(const std::string& checkId, const std::string& status,
                                  const std::string& output) {
    auto it = checks_.find(checkId);
    if (it == checks_.end()) {
        return;
    }
    Change change(indexes_);
    std::set<std::string> affected;
    if (setStatus(it->second, status, truncateOutput(it->second, output), change, affected)) {
        refreshAliases(affected, change);
    }
    change.commit();
}

std::optional<std::chrono::steady_clock::time_point> AgentState::nextTtlDeadline() const {
    if (ttlQueue_.empty()) {
        return std::nullopt;
    }
    return ttlQueue_.begin()->first;
}

std::vector<std::string> AgentState::expireTtlChecks() {
    const auto now = clock_.steadyNow();
    Change change(indexes_);
    std::set<std::string> affected;
    std::vector<std::string> expired;
    while (!ttlQueue_.empty() && ttlQueue_.begin()->first <= now) {
        const std::string id = ttlQueue_.begin()->second;
        CheckRecord& c = checks_.at(id);
        setTtlDeadline(c, std::nullopt);  // stays expired until the next update
        const std::string out =
            c.lastOutput.empty()
                ? std::string("TTL expired")
                : "TTL expired (last output before timeout follows): " + c.lastOutput;
        setStatus(c, kHealthCritical, out, change, affected);
        expired.push_back(id);
    }
    refreshAliases(affected, change);
    change.commit();
    return expired;
}

std::vector<std::string> AgentState::reapCriticalServices() {
    const auto now = clock_.steadyNow();
    std::set<std::string> doomed;
    for (const auto& [id, c] : checks_) {
        const auto after = c.definition.deregisterCriticalServiceAfter;
        if (!c.serviceId.empty() && after.count() > 0 && c.criticalSince &&
            now - *c.criticalSince >= after) {
            doomed.insert(c.serviceId);
        }
    }
    std::vector<std::string> removed;
    for (const auto& id : doomed) {
        if (services_.count(id) != 0 && deregisterService(id)) {
            removed.push_back(id);
        }
    }
    return removed;
}

void AgentState::putCheck(CheckRecord check, Change& change, std::set<std::string>& affected) {
    auto old = checks_.find(check.checkId);
    if (old != checks_.end()) {
        check.createIndex = old->second.createIndex;
        if (old->second.serviceId != check.serviceId) {
            affected.insert(old->second.serviceId);
            touchCheckKeys(old->second, change);
            checksByService_[old->second.serviceId].erase(check.checkId);
        }
    } else {
        check.createIndex = change.index();
    }
    check.modifyIndex = change.index();
    const std::string id = check.checkId;
    if (old != checks_.end()) {
        setTtlDeadline(old->second, std::nullopt);
    }
    const auto deadline = check.ttlDeadline;
    check.ttlDeadline.reset();
    if (check.status != kHealthCritical) {
        check.criticalSince.reset();
    } else if (old != checks_.end() && old->second.criticalSince) {
        check.criticalSince = old->second.criticalSince;
    } else {
        check.criticalSince = clock_.steadyNow();
    }
    checksByService_[check.serviceId].insert(id);
    affected.insert(check.serviceId);
    if (old != checks_.end() && old->second.definition.isAlias()) {
        aliasesByTarget_[old->second.definition.aliasService].erase(id);
    }
    if (check.definition.isAlias()) {
        aliasesByTarget_[check.definition.aliasService].insert(id);
        affected.insert(check.definition.aliasService);  // so the new alias gets its status
    }
    CheckRecord& stored = checks_[id] = std::move(check);
    setTtlDeadline(stored, deadline);
    touchCheckKeys(stored, change);
    pendingCheckEvents_.emplace_back(id, false);
}

void AgentState::removeCheck(const std::string& id, Change& change,
                             std::set<std::string>& affected) {
    auto it = checks_.find(id);
    if (it == checks_.end()) {
        return;
    }
    touchCheckKeys(it->second, change);
    affected.insert(it->second.serviceId);
    checksByService_[it->second.serviceId].erase(id);
    setTtlDeadline(it->second, std::nullopt);
    if (it->second.definition.isAlias()) {
        auto target = aliasesByTarget_.find(it->second.definition.aliasService);
        if (target != aliasesByTarget_.end()) {
            target->second.erase(id);
            if (target->second.empty()) {
                aliasesByTarget_.erase(target);
            }
        }
    }
    checks_.erase(it);
    pendingCheckEvents_.emplace_back(id, true);
}

bool AgentState::setStatus(CheckRecord& check, const std::string& status, const std::string& output,
                           Change& change, std::set<std::string>& affected) {
    if (check.status == status && check.output == output) {
        return false;
    }
    if (status == kHealthCritical && check.status != kHealthCritical) {
        check.criticalSince = clock_.steadyNow();
    } else if (status != kHealthCritical) {
        check.criticalSince.reset();
    }
    check.status = status;
    check.output = output;
    check.modifyIndex = change.index();
    touchCheckKeys(check, change);
    affected.insert(check.serviceId);
    return true;
}

void AgentState::touchServiceKeys(const ServiceRecord& svc, Change& change, bool definition) {
    change.touch(index_keys::service(svc.service));
    if (definition) {
        change.touch(index_keys::kServices);
        change.touch(index_keys::agentService(svc.id));
    }
    if (svc.proxy && !svc.proxy->destinationServiceName.empty()) {
        change.touch(index_keys::connect(svc.proxy->destinationServiceName));
    }
    if (svc.connectNative) {
        change.touch(index_keys::connect(svc.service));
    }
}

void AgentState::touchCheckKeys(const CheckRecord& check, Change& change) {
    change.touch(index_keys::kChecks);
    if (check.serviceId.empty()) {
        change.touch(index_keys::kNodeChecks);
    } else if (const ServiceRecord* svc = service(check.serviceId)) {
        touchServiceKeys(*svc, change, false);
    }
}

std::pair<std::string, std::string> AgentState::aliasResult(const CheckRecord& alias) const {
    const std::string& target = alias.definition.aliasService;
    std::string health = kHealthPassing;
    std::string msg = "No checks found.";
    bool found = false;
    std::vector<const CheckRecord*> list = localNodeChecks();
    for (const CheckRecord* c : serviceChecks(target)) {
        list.push_back(c);
    }
    for (const CheckRecord* c : list) {
        if (c->checkId == alias.checkId) {
            continue;
        }
        if (!c->serviceId.empty()) {
            found = true;
        }
        if (c->status == kHealthCritical || c->status == kHealthWarning) {
            health = c->status;
            msg = "Aliased check " + goQuote(c->name) + " failing: " + c->output;
            if (c->status == kHealthCritical) {
                break;
            }
        } else if (health == kHealthPassing) {
            msg = "All checks passing.";
        }
    }
    if (!found && !target.empty() && service(target) == nullptr) {
        return {kHealthCritical,
                "Service " + target + " could not be found on node " + options_.node.name};
    }
    return {health, msg};
}

void AgentState::refreshAliases(std::set<std::string> affected, Change& change) {
    for (int round = 0; round < 8 && !affected.empty(); ++round) {
        // Which alias checks can see a difference: those aimed at an affected service, or all
        // of them when a node-level check ("") changed.
        std::set<std::string> candidates;
        if (affected.count("") != 0) {
            for (const auto& [target, ids] : aliasesByTarget_) {
                candidates.insert(ids.begin(), ids.end());
            }
        } else {
            for (const auto& serviceId : affected) {
                if (auto it = aliasesByTarget_.find(serviceId); it != aliasesByTarget_.end()) {
                    candidates.insert(it->second.begin(), it->second.end());
                }
            }
        }
        std::set<std::string> next;
        for (const auto& id : candidates) {
            CheckRecord& c = checks_.at(id);
            auto [status, output] = aliasResult(c);
            setStatus(c, status, output, change, next);
        }
        affected = std::move(next);
    }
}

std::string AgentState::truncateOutput(const CheckRecord& check, const std::string& output) const {
    const auto max =
        static_cast<size_t>(check.definition.outputMaxSize > 0 ? check.definition.outputMaxSize
                                                               : options_.defaultOutputMaxSize);
    if (output.size() <= max) {
        return output;
    }
    return output.substr(0, max) + " ... (captured " + std::to_string(max) + " of " +
           std::to_string(output.size()) + " bytes)";
}

void AgentState::flushCheckEvents() {
    auto events = std::move(pendingCheckEvents_);
    pendingCheckEvents_.clear();
    if (!checkListener_) {
        return;
    }
    for (const auto& [id, removed] : events) {
        checkListener_(id, removed);
    }
}

bool AgentState::knowsDatacenter(const std::string& dc) const {
    return dc.empty() || dc == options_.node.datacenter || remote_.datacenters().count(dc) != 0;
}

std::vector<std::string> AgentState::datacenters() const {
    std::vector<std::string> out{options_.node.datacenter};
    for (const auto& dc : remote_.datacenters()) {
        if (dc != options_.node.datacenter) {
            out.push_back(dc);
        }
    }
    return out;
}

std::vector<const NodeInfo*> AgentState::catalogNodes(const std::string& dc) const {
    std::vector<const NodeInfo*> out;
    const bool own = dcOr(dc) == options_.node.datacenter;
    bool ownDone = !own;
    for (const auto& [name, node] : remote_.nodes(dcOr(dc))) {
        if (!ownDone && options_.node.name < name) {
            out.push_back(&options_.node);
            ownDone = true;
        }
        out.push_back(&node.info);
    }
    if (!ownDone) {
        out.push_back(&options_.node);
    }
    return out;
}

const NodeInfo* AgentState::catalogNode(const std::string& dc, const std::string& name) const {
    if (isLocal(dc, name)) {
        return &options_.node;
    }
    const RemoteCatalog::Node* n = remote_.node(dcOr(dc), name);
    return n == nullptr ? nullptr : &n->info;
}

std::vector<const ServiceRecord*> AgentState::nodeServices(const std::string& dc,
                                                           const std::string& node) const {
    if (isLocal(dc, node)) {
        return catalogServices();
    }
    std::vector<const ServiceRecord*> out;
    if (const RemoteCatalog::Node* n = remote_.node(dcOr(dc), node)) {
        for (const auto& [id, svc] : n->services) {
            out.push_back(&svc);
        }
    }
    return out;
}

std::vector<AgentState::Instance> AgentState::serviceEntries(const std::string& dc) const {
    std::vector<Instance> out;
    for (const NodeInfo* node : catalogNodes(dc)) {
        for (const ServiceRecord* svc : nodeServices(dc, node->name)) {
            out.push_back({node, svc});
        }
    }
    return out;
}

std::vector<AgentState::Instance> AgentState::serviceEntries(const std::string& dc,
                                                             const std::string& name) const {
    std::vector<Instance> out;
    for (const NodeInfo* node : catalogNodes(dc)) {
        if (node == &options_.node) {
            for (const ServiceRecord* svc : catalogInstances(name)) {
                out.push_back({node, svc});
            }
            continue;
        }
        for (const ServiceRecord* svc : nodeServices(dc, node->name)) {
            if (svc->service == name) {
                out.push_back({node, svc});
            }
        }
    }
    return out;
}

std::vector<AgentState::Instance> AgentState::connectEntries(const std::string& dc,
                                                             const std::string& name) const {
    std::vector<Instance> out;
    for (const NodeInfo* node : catalogNodes(dc)) {
        if (node == &options_.node) {
            for (const ServiceRecord* svc : connectInstances(name)) {
                out.push_back({node, svc});
            }
            continue;
        }
        for (const ServiceRecord* svc : nodeServices(dc, node->name)) {
            const bool proxy = svc->kind == "connect-proxy" && svc->proxy &&
                               svc->proxy->destinationServiceName == name;
            if (proxy || (svc->connectNative && svc->service == name)) {
                out.push_back({node, svc});
            }
        }
    }
    return out;
}

std::vector<const CheckRecord*> AgentState::nodeLevelChecks(const std::string& dc,
                                                            const std::string& node) const {
    if (isLocal(dc, node)) {
        return catalogNodeChecks();
    }
    std::vector<const CheckRecord*> out;
    if (const RemoteCatalog::Node* n = remote_.node(dcOr(dc), node)) {
        for (const auto& [id, c] : n->checks) {
            if (c.serviceId.empty()) {
                out.push_back(&c);
            }
        }
    }
    return out;
}

std::vector<const CheckRecord*> AgentState::instanceChecks(const std::string& dc,
                                                           const std::string& node,
                                                           const std::string& serviceId) const {
    if (isLocal(dc, node)) {
        return serviceChecks(serviceId);
    }
    std::vector<const CheckRecord*> out;
    if (const RemoteCatalog::Node* n = remote_.node(dcOr(dc), node); n && !serviceId.empty()) {
        for (const auto& [id, c] : n->checks) {
            if (c.serviceId == serviceId) {
                out.push_back(&c);
            }
        }
    }
    return out;
}

std::vector<const CheckRecord*> AgentState::allNodeChecks(const std::string& dc,
                                                          const std::string& node) const {
    if (!isLocal(dc, node)) {
        // By check ID, as Consul's node index lists them.
        std::vector<const CheckRecord*> out;
        if (const RemoteCatalog::Node* n = remote_.node(dcOr(dc), node)) {
            for (const auto& [id, c] : n->checks) {
                out.push_back(&c);
            }
        }
        return out;
    }
    std::vector<const CheckRecord*> out = catalogNodeChecks();
    for (const auto& [id, c] : checks_) {
        if (!c.serviceId.empty()) {
            out.push_back(&c);
        }
    }
    return out;
}

Status AgentState::registerCatalog(CatalogRegistration reg) {
    reg.datacenter = dcOr(reg.datacenter);
    if (isLocal(reg.datacenter, reg.node)) {
        return makeError(Code::InvalidArgument,
                         "The Meshx dev agent keeps its own node " + goQuote(reg.node) +
                             " in step with its local state: register its services and checks "
                             "through /v1/agent/service/register and /v1/agent/check/register");
    }
    return remote_.registerEntries(reg);
}

Status AgentState::deregisterCatalog(CatalogDeregistration dereg) {
    dereg.datacenter = dcOr(dereg.datacenter);
    if (isLocal(dereg.datacenter, dereg.node)) {
        return makeError(Code::InvalidArgument,
                         "The Meshx dev agent keeps its own node " + goQuote(dereg.node) +
                             " in step with its local state: deregister through "
                             "/v1/agent/service/deregister and /v1/agent/check/deregister");
    }
    return remote_.deregisterEntries(dereg);
}

Status AgentState::setNodeMaintenance(bool enable, const std::string& reason) {
    Change change(indexes_);
    std::set<std::string> affected;
    if (enable && checks_.count(kNodeMaintenance) == 0) {
        CheckRecord c;
        c.checkId = kNodeMaintenance;
        c.name = "Node Maintenance Mode";
        c.notes = reason.empty() ? "Maintenance mode is enabled for this node, but no reason was "
                                   "provided. This is a default message."
                                 : reason;
        c.status = kHealthCritical;
        c.type = "maintenance";
        putCheck(std::move(c), change, affected);
    } else if (!enable && checks_.count(kNodeMaintenance) != 0) {
        removeCheck(kNodeMaintenance, change, affected);
    }
    refreshAliases(affected, change);
    change.commit();
    flushCheckEvents();
    return {};
}

}  // namespace meshx::agent
