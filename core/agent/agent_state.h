#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "agent/agent_records.h"
#include "agent/clock.h"
#include "agent/index_table.h"
#include "agent/remote_catalog.h"
#include "agent/service_definition.h"
#include "agent/sidecar_expander.h"
#include "common/result.h"

namespace meshx::agent {

// The local agent's services and checks, mirrored into the catalog of its single node: the
// logic of registration (with sidecar expansion), check status (TTL expiry, alias checks,
// maintenance) and aggregate health. No I/O and no timers: time comes from the Clock, TTL
// expiry happens when expireTtlChecks() is called (TtlTimer does that on the agent thread),
// probe results arrive through applyProbeResult(). Every write commits one IndexTable change.
// Errors carry Consul's texts; their codes map to HTTP statuses (InvalidArgument 400,
// NotFound 404, Internal 500). Agent thread only.
class AgentState {
  public:
    struct Options {
        NodeInfo node;
        int64_t sidecarMinPort = 21000;
        int64_t sidecarMaxPort = 21255;
        // Skip sidecar ports another process listens on (the dev agent shares its machine with
        // other agents and leftover proxies); off for deterministic unit tests.
        bool skipSidecarPortsInUse = true;
        // Claim picked sidecar ports host-wide in this directory (SidecarExpander); empty: no
        // claims (Consul's behaviour, and deterministic unit tests).
        std::string sidecarPortClaimDir;
        int64_t defaultOutputMaxSize = 4096;
    };

    AgentState(Options options, IndexTable& indexes, const Clock& clock);

    // Told after a check was added or replaced (removed=false) or removed: the probe runner
    // follows TCP/HTTP checks through it.
    using CheckListener = std::function<void(const std::string& checkId, bool removed)>;
    void setCheckListener(CheckListener listener) { checkListener_ = std::move(listener); }

    // --- reads
    const NodeInfo& node() const { return options_.node; }
    const std::map<std::string, ServiceRecord>& services() const { return services_; }
    const ServiceRecord* service(const std::string& id) const;
    const std::map<std::string, CheckRecord>& checks() const { return checks_; }
    const CheckRecord* check(const std::string& id) const;
    // Checks attached to one service, by check ID.
    std::vector<const CheckRecord*> serviceChecks(const std::string& serviceId) const;
    // Agent-local node-level checks (no serfHealth).
    std::vector<const CheckRecord*> localNodeChecks() const;
    // Catalog view: the node's checks (serfHealth first, then local node checks).
    std::vector<const CheckRecord*> catalogNodeChecks() const;
    // Catalog view: every service of the node (local ones plus the server's `consul`), by ID.
    std::vector<const ServiceRecord*> catalogServices() const;
    // Catalog view: the instances named `name`, by ID.
    std::vector<const ServiceRecord*> catalogInstances(const std::string& name) const;
    // What /health/connect/:name selects: connect-proxies whose destination is `name`, and
    // Connect-native instances named `name`; by ID.
    std::vector<const ServiceRecord*> connectInstances(const std::string& name) const;

    // --- the catalog across nodes and datacenters: the agent's own node plus the nodes
    // /v1/catalog/register wrote (RemoteCatalog). `dc` "" means the agent's datacenter.
    struct Instance {
        const NodeInfo* node;
        const ServiceRecord* service;
    };
    bool knowsDatacenter(const std::string& dc) const;
    // The agent's own datacenter first (Consul sorts by round-trip time and its own is
    // nearest), then the others by name.
    std::vector<std::string> datacenters() const;
    // Nodes of a datacenter by name; one node by name (null when unknown).
    std::vector<const NodeInfo*> catalogNodes(const std::string& dc) const;
    const NodeInfo* catalogNode(const std::string& dc, const std::string& name) const;
    // Services of one node by ID (the agent's own: catalogServices()).
    std::vector<const ServiceRecord*> nodeServices(const std::string& dc,
                                                   const std::string& node) const;
    // Every service instance of a datacenter, or those named `name`, or (connect) the proxies
    // for and native instances of `name`; by node name, then service ID.
    std::vector<Instance> serviceEntries(const std::string& dc) const;
    std::vector<Instance> serviceEntries(const std::string& dc, const std::string& name) const;
    std::vector<Instance> connectEntries(const std::string& dc, const std::string& name) const;
    // Node-level checks of a node (the agent's own: catalogNodeChecks()).
    std::vector<const CheckRecord*> nodeLevelChecks(const std::string& dc,
                                                    const std::string& node) const;
    // Checks of one service instance on a node.
    std::vector<const CheckRecord*> instanceChecks(const std::string& dc, const std::string& node,
                                                   const std::string& serviceId) const;
    // Every check of a node: the agent's own node-level ones then its services' by check ID;
    // another node's all by check ID.
    std::vector<const CheckRecord*> allNodeChecks(const std::string& dc,
                                                  const std::string& node) const;
    const RemoteCatalog& remoteCatalog() const { return remote_; }

    // passing / warning / critical / maintenance over the service's checks plus the local
    // node-level checks; passing when there are none.
    std::string aggregatedStatus(const std::string& serviceId) const;

    // --- writes
    // PUT /agent/service/register (validation, sidecar expansion, check defaults, §2.5/2.6).
    Status registerService(ServiceDefinition def, bool replaceExistingChecks);
    // Removes the service, its checks and its flagged sidecar. Unknown -> NotFound.
    Status deregisterService(const std::string& id);
    // PUT /agent/check/register (already validated by validateCheckDefinition).
    Status registerCheck(CheckType def);
    Status deregisterCheck(const std::string& id);
    // pass / warn / fail / update of a TTL check: sets status and output, re-arms the TTL.
    Status updateTtlCheck(const std::string& id, const std::string& status,
                          const std::string& output);
    // PUT /agent/service/maintenance/:id.
    Status setServiceMaintenance(const std::string& id, bool enable, const std::string& reason);
    // PUT /agent/maintenance: adds or removes the `_node_maintenance` check.
    Status setNodeMaintenance(bool enable, const std::string& reason);
    // PUT /catalog/register and /catalog/deregister for nodes other than the agent's own (its
    // own node is written through the agent endpoints: InvalidArgument). An empty datacenter
    // means the agent's own.
    Status registerCatalog(CatalogRegistration reg);
    Status deregisterCatalog(CatalogDeregistration dereg);
    // Result of a TCP/HTTP probe; ignored for checks that are gone.
    void applyProbeResult(const std::string& checkId, const std::string& status,
                          const std::string& output);

    // --- TTL
    std::optional<std::chrono::steady_clock::time_point> nextTtlDeadline() const;
    // Marks every TTL check past its deadline critical with Consul's output; returns their IDs.
    std::vector<std::string> expireTtlChecks();

    // Deregisters every service with a check critical for longer than its
    // DeregisterCriticalServiceAfter (Consul's reaper, run about every 30 s). Returns their IDs.
    std::vector<std::string> reapCriticalServices();

  private:
    using Change = IndexTable::Change;

    Status addService(const ServiceDefinition& def, const std::string& sidecarOf,
                      bool replaceExistingChecks, Change& change, std::set<std::string>& affected);
    void removeService(const std::string& id, Change& change, std::set<std::string>& affected);
    void putCheck(CheckRecord check, Change& change, std::set<std::string>& affected);
    void removeCheck(const std::string& id, Change& change, std::set<std::string>& affected);
    // Sets status/output; touches indexes only if something changed. Returns whether it did.
    bool setStatus(CheckRecord& check, const std::string& status, const std::string& output,
                   Change& change, std::set<std::string>& affected);
    void touchServiceKeys(const ServiceRecord& service, Change& change, bool definition);
    void touchCheckKeys(const CheckRecord& check, Change& change);
    // Re-evaluates alias checks whose target is among `affected` ("" = node-level changed).
    void refreshAliases(std::set<std::string> affected, Change& change);
    std::pair<std::string, std::string> aliasResult(const CheckRecord& alias) const;
    std::string truncateOutput(const CheckRecord& check, const std::string& output) const;
    // Delivers the queued check events to the listener (after the change committed).
    void flushCheckEvents();
    void indexService(const ServiceRecord& svc, bool add);
    void setTtlDeadline(CheckRecord& check,
                        std::optional<std::chrono::steady_clock::time_point> deadline);

    const std::string& dcOr(const std::string& dc) const {
        return dc.empty() ? options_.node.datacenter : dc;
    }
    bool isLocal(const std::string& dc, const std::string& node) const {
        return dcOr(dc) == options_.node.datacenter && node == options_.node.name;
    }

    Options options_;
    IndexTable& indexes_;
    RemoteCatalog remote_;
    const Clock& clock_;
    SidecarExpander expander_;
    std::map<std::string, ServiceRecord> services_;
    // Port claims of the sidecars this agent gave a port, by sidecar id (Options::
    // sidecarPortClaimDir); dropped with the sidecar's registration.
    std::map<std::string, std::unique_ptr<net::PortClaim>> sidecarClaims_;
    std::map<std::string, CheckRecord> checks_;
    std::map<std::string, std::set<std::string>> checksByService_;  // "" = node-level
    std::map<std::string, std::set<std::string>> idsByName_;
    std::map<std::string, std::set<std::string>> idsByConnectName_;
    std::set<std::pair<std::chrono::steady_clock::time_point, std::string>> ttlQueue_;
    std::map<std::string, std::set<std::string>> aliasesByTarget_;  // aliased service ID -> checks
    ServiceRecord consulService_;
    CheckRecord serfHealth_;
    CheckListener checkListener_;
    std::vector<std::pair<std::string, bool>> pendingCheckEvents_;
};

}  // namespace meshx::agent
