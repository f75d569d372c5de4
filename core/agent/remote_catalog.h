#pragma once

#include <map>
#include <set>
#include <string>

#include "agent/agent_records.h"
#include "agent/index_table.h"
#include "common/result.h"

namespace meshx::agent {

// The catalog entries of nodes other than the agent's own, per datacenter, as
// /v1/catalog/register wrote them. The dev agent stands in for the servers of every datacenter
// a registration named, so a test can build a multi-node, multi-datacenter catalog. Nothing
// here is health-checked: a check keeps the status it was registered with. Writes follow
// Consul's Catalog.Register / Catalog.Deregister (server side) and their error texts (500s);
// each write commits one IndexTable change touching the catalog-wide keys (nodes, services,
// checks, node checks) and the touched service names, so blocking queries wake.
// Agent thread only.
class RemoteCatalog {
  public:
    struct Node {
        NodeInfo info;
        std::map<std::string, ServiceRecord> services;  // by service ID
        std::map<std::string, CheckRecord> checks;      // by check ID
    };
    using Nodes = std::map<std::string, Node>;  // by node name

    explicit RemoteCatalog(IndexTable& indexes) : indexes_(indexes) {}

    // Datacenters that received a registration (they stay known once named), sorted.
    const std::set<std::string>& datacenters() const { return datacenters_; }
    // The nodes of a datacenter (empty when none).
    const Nodes& nodes(const std::string& datacenter) const;
    const Node* node(const std::string& datacenter, const std::string& name) const;

    // Upserts the node (unless SkipNodeUpdate), the service and the checks into
    // `reg.datacenter`. Internal (500) errors with Consul's texts, in its order:
    // `Must provide node`, `Bad node ID: ...`, `Must provide address if SkipNodeUpdate is not set`,
    // `Must provide service name with ID`, `Invalid service address`,
    // `Missing node registration`, `Missing service registration`.
    Status registerEntries(const CatalogRegistration& reg);
    // Removes the service (with its checks), else the check, else the node with everything on
    // it. Unknown entries are no error (as in Consul); `Must provide node` when none is named.
    Status deregisterEntries(const CatalogDeregistration& dereg);

  private:
    void touchService(const ServiceRecord& svc, IndexTable::Change& change) const;

    IndexTable& indexes_;
    std::set<std::string> datacenters_;
    std::map<std::string, Nodes> byDatacenter_;
};

}  // namespace meshx::agent
