#include "agent/remote_catalog.h"

#include <cctype>

#include "agent/index_keys.h"

namespace meshx::agent {

namespace {

Error internal(std::string message) {
    return makeError(Code::Internal, std::move(message));
}

// hashicorp/go-uuid's ParseUUID checks, with its texts.
std::string uuidProblem(const std::string& id) {
    if (id.size() != 36) {
        return "uuid string is wrong length";
    }
    for (size_t i = 0; i < id.size(); ++i) {
        const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? id[i] != '-' : std::isxdigit(static_cast<unsigned char>(id[i])) == 0) {
            return "uuid is improperly formatted";
        }
    }
    return "";
}

bool isAnyAddress(const std::string& address) {
    return address == "0.0.0.0" || address == "::" || address == "[::]";
}

}  // namespace

const RemoteCatalog::Nodes& RemoteCatalog::nodes(const std::string& datacenter) const {
    static const Nodes kNone;
    auto it = byDatacenter_.find(datacenter);
    return it == byDatacenter_.end() ? kNone : it->second;
}

const RemoteCatalog::Node* RemoteCatalog::node(const std::string& datacenter,
                                               const std::string& name) const {
    const Nodes& all = nodes(datacenter);
    auto it = all.find(name);
    return it == all.end() ? nullptr : &it->second;
}

void RemoteCatalog::touchService(const ServiceRecord& svc, IndexTable::Change& change) const {
    change.touch(index_keys::service(svc.service));
    if (svc.proxy && !svc.proxy->destinationServiceName.empty()) {
        change.touch(index_keys::connect(svc.proxy->destinationServiceName));
    }
    if (svc.connectNative) {
        change.touch(index_keys::connect(svc.service));
    }
}

Status RemoteCatalog::registerEntries(const CatalogRegistration& reg) {
    // Catalog.Register's argument checks, in its order.
    if (reg.node.empty()) {
        return internal("Must provide node");
    }
    if (!reg.id.empty()) {
        if (std::string p = uuidProblem(reg.id); !p.empty()) {
            return internal("Bad node ID: " + p);
        }
    }
    if (reg.address.empty() && !reg.skipNodeUpdate) {
        return internal("Must provide address if SkipNodeUpdate is not set");
    }
    std::optional<ServiceRecord> service;
    if (reg.service) {
        ServiceRecord svc = serviceRecordFrom(*reg.service);
        if (svc.id.empty() && !svc.service.empty()) {
            svc.id = svc.service;
        }
        if (!svc.id.empty() && svc.service.empty()) {
            return internal("Must provide service name with ID");
        }
        if (isAnyAddress(svc.address)) {
            return internal("Invalid service address");
        }
        service = std::move(svc);
    }
    Nodes& nodes = byDatacenter_[reg.datacenter];
    auto existing = nodes.find(reg.node);
    if (existing == nodes.end() && reg.skipNodeUpdate) {
        return internal("Missing node registration");
    }
    // Every check naming a service must find it on the node (this registration's included).
    for (const CatalogCheck& c : reg.checks) {
        const std::string& sid = c.definition.serviceId;
        if (sid.empty() || (service && service->id == sid)) {
            continue;
        }
        if (existing == nodes.end() || existing->second.services.count(sid) == 0) {
            return internal("Missing service registration");
        }
    }

    datacenters_.insert(reg.datacenter);
    IndexTable::Change change(indexes_);
    const uint64_t idx = change.index();
    change.touch(index_keys::kNodes);
    change.touch(index_keys::kServices);
    change.touch(index_keys::kChecks);
    change.touch(index_keys::kNodeChecks);
    Node& node = nodes[reg.node];
    if (existing == nodes.end()) {
        node.info.name = reg.node;
        node.info.datacenter = reg.datacenter;
        node.info.createIndex = idx;
        node.info.modifyIndex = idx;
    }
    if (!reg.skipNodeUpdate) {
        node.info.id = reg.id;
        node.info.address = reg.address;
        node.info.taggedAddresses = reg.taggedAddresses;
        node.info.meta = reg.nodeMeta;
        node.info.modifyIndex = idx;
    }
    // Checks and services name the node's services: everything on the node may show changes.
    for (const auto& [id, svc] : node.services) {
        touchService(svc, change);
    }
    if (service && !service->id.empty()) {
        ServiceRecord& stored = node.services[service->id];
        const uint64_t created = stored.createIndex != 0 ? stored.createIndex : idx;
        if (stored.createIndex != 0) {
            touchService(stored, change);  // the old name or destination changes too
        }
        stored = std::move(*service);
        stored.createIndex = created;
        stored.modifyIndex = idx;
        touchService(stored, change);
        // Checks of the service follow its name and tags.
        for (auto& [cid, c] : node.checks) {
            if (c.serviceId == stored.id) {
                c.serviceName = stored.service;
                c.serviceTags = stored.tags;
            }
        }
    }
    for (const CatalogCheck& in : reg.checks) {
        CheckRecord c;
        c.checkId = in.definition.checkId.empty() ? in.definition.name : in.definition.checkId;
        c.name = in.definition.name;
        c.status = in.definition.status.empty() ? kHealthCritical : in.definition.status;
        c.notes = in.definition.notes;
        c.output = in.output;
        c.serviceId = in.definition.serviceId;
        if (!c.serviceId.empty()) {
            const ServiceRecord& svc = node.services.at(c.serviceId);
            c.serviceName = svc.service;
            c.serviceTags = svc.tags;
        }
        c.type = in.type.empty() ? in.definition.type() : in.type;
        c.definition = in.definition;
        c.definition.serviceId.clear();
        auto old = node.checks.find(c.checkId);
        c.createIndex = old == node.checks.end() ? idx : old->second.createIndex;
        c.modifyIndex = idx;
        node.checks[c.checkId] = std::move(c);
    }
    return {};
}

Status RemoteCatalog::deregisterEntries(const CatalogDeregistration& dereg) {
    if (dereg.node.empty()) {
        return internal("Must provide node");
    }
    auto dc = byDatacenter_.find(dereg.datacenter);
    if (dc == byDatacenter_.end()) {
        return {};
    }
    auto it = dc->second.find(dereg.node);
    if (it == dc->second.end()) {
        return {};
    }
    Node& node = it->second;
    IndexTable::Change change(indexes_);
    change.touch(index_keys::kNodes);
    change.touch(index_keys::kServices);
    change.touch(index_keys::kChecks);
    change.touch(index_keys::kNodeChecks);
    for (const auto& [id, svc] : node.services) {
        touchService(svc, change);
    }
    if (!dereg.serviceId.empty()) {
        node.services.erase(dereg.serviceId);
        for (auto c = node.checks.begin(); c != node.checks.end();) {
            c = c->second.serviceId == dereg.serviceId ? node.checks.erase(c) : std::next(c);
        }
    } else if (!dereg.checkId.empty()) {
        node.checks.erase(dereg.checkId);
    } else {
        dc->second.erase(it);
    }
    return {};
}

}  // namespace meshx::agent
