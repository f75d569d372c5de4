#pragma once

#include <map>
#include <string>
#include <vector>

#include "consul/call.h"
#include "consul/catalog_types.h"

// Typed calls of the catalog and health endpoints (reference §3). All block by index: pass the
// previous Indexed::index in `blocking` (or use BlockingWatcher).
// The functions only build a Call (no I/O): any thread.
namespace meshx::consul::endpoints {

struct HealthQuery {
    bool passing = false;  // ?passing: only entries whose every check passes
    bool stale = false;    // ?stale: any server may answer (what the built-in proxy sends)
    std::string filter;
    std::vector<std::string> tags;  // ?tag= each; all must match
    std::string datacenter;         // ?dc=
};

// GET /catalog/services: service name -> tags (of datacenter `dc` when not empty).
Call<Indexed<std::map<std::string, std::vector<std::string>>>> catalogServices(
    const std::string& filter = {}, const Blocking& blocking = {}, const std::string& dc = {});

// GET /catalog/datacenters: the known datacenters, the agent's own first.
Call<std::vector<std::string>> catalogDatacenters();

// GET /catalog/nodes[?dc=]: every node of the datacenter's catalog.
Call<Indexed<std::vector<Node>>> catalogNodes(const std::string& dc = {},
                                              const Blocking& blocking = {});

// GET /health/state/:state[?dc=] (any, passing, warning, critical): every check in that state,
// node-level ones (empty ServiceID) included.
Call<Indexed<std::vector<HealthCheck>>> healthState(const std::string& state,
                                                    const std::string& dc = {},
                                                    const Blocking& blocking = {});

// GET /catalog/service/:name
Call<Indexed<std::vector<CatalogServiceNode>>> catalogService(const std::string& name,
                                                              const std::string& filter = {},
                                                              const Blocking& blocking = {});

// GET /health/service/:name
Call<Indexed<std::vector<ServiceEntry>>> healthService(const std::string& name,
                                                       const HealthQuery& query = {},
                                                       const Blocking& blocking = {});

// GET /health/checks/:name: the checks of every instance of service `name` (filter on
// ServiceID, Status, ...). Blocks by index; a check's status change wakes it.
Call<Indexed<std::vector<HealthCheck>>> healthChecks(const std::string& name,
                                                     const std::string& filter = {},
                                                     const Blocking& blocking = {});

// GET /health/connect/:name: the proxies (and native instances) that front `name`.
Call<Indexed<std::vector<ServiceEntry>>> healthConnect(const std::string& name,
                                                       const HealthQuery& query = {},
                                                       const Blocking& blocking = {});

}  // namespace meshx::consul::endpoints
