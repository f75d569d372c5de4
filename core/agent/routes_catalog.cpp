// /v1/catalog/*, /v1/status/*: the cluster view: the agent's own node plus the nodes that
// /v1/catalog/register wrote, per datacenter (?dc=).
#include <algorithm>

#include "agent/agent_services.h"
#include "agent/api_router.h"
#include "agent/blocking_query.h"
#include "agent/datacenter_param.h"
#include "agent/definition_decoder.h"
#include "agent/index_keys.h"
#include "agent/listing_filter.h"
#include "agent/request_body.h"
#include "agent/response_shapes.h"

namespace meshx::agent {

namespace {

// ?node-meta=key:value (repeatable, all must match) against a node's meta.
bool nodeMetaMatches(const std::vector<std::string>& wanted, const NodeInfo& node) {
    for (const std::string& pair : wanted) {
        const size_t colon = pair.find(':');
        const std::string key = pair.substr(0, colon);
        const std::string value = colon == std::string::npos ? "" : pair.substr(colon + 1);
        auto it = node.meta.find(key);
        if (it == node.meta.end() || it->second != value) {
            return false;
        }
    }
    return true;
}

bool hasAllTags(const ServiceRecord& svc, const std::vector<std::string>& tags) {
    for (const auto& t : tags) {
        if (std::find(svc.tags.begin(), svc.tags.end(), t) == svc.tags.end()) {
            return false;
        }
    }
    return true;
}

uint64_t serviceIndex(const AgentServices& s, const std::string& key) {
    return s.indexes.get(key, s.indexes.get(index_keys::kServices));
}

void catalogServices(AgentServices& s, const ApiCall& call) {
    const auto dc = datacenterOf(call, s.state);
    if (!dc) {
        return;
    }
    auto params = BlockingParams::parse(call.request());
    if (!params) {
        call.fail(params.error());
        return;
    }
    auto filter = ListingFilter::fromRequest(call.request(), FilterTarget::CatalogServiceNode);
    if (!filter) {
        call.fail(filter.error());
        return;
    }
    AgentServices* sp = &s;
    const bool pretty = call.pretty();
    const bool visible = call.canRead();
    const std::vector<std::string> nodeMeta = call.request().queryValues("node-meta");
    ListingFilter f = *filter;
    serveIndexed(
        call, s.blocking, *params, {index_keys::kServices},
        [sp] { return sp->indexes.get(index_keys::kServices); },
        [sp, f, pretty, visible, nodeMeta, dc = *dc]() {
            std::map<std::string, std::vector<std::string>> names;
            if (visible) {
                for (const auto& [node, svc] : sp->state.serviceEntries(dc)) {
                    if (!nodeMetaMatches(nodeMeta, *node)) {
                        continue;
                    }
                    if (f.active()) {
                        auto keep = f.matches(catalogServiceNodeJson(*svc, *node));
                        if (!keep) {
                            return HttpResponse::text(500, keep.error().message);
                        }
                        if (!*keep) {
                            continue;
                        }
                    }
                    auto& tags = names[svc->service];
                    for (const auto& t : svc->tags) {
                        if (std::find(tags.begin(), tags.end(), t) == tags.end()) {
                            tags.push_back(t);
                        }
                    }
                }
            }
            OJson out = OJson::object();
            reserveMembers(out, names.size());
            for (const auto& [name, tags] : names) {
                appendMember(out, name, tags);
            }
            return HttpResponse::json(200, out, pretty);
        });
}

// /catalog/service/:name and /catalog/connect/:name (connect: the proxies for and the
// Connect-native instances of the service).
void catalogService(AgentServices& s, const ApiCall& call, bool connect) {
    const std::string name = call.suffix();
    if (name.empty()) {
        call.text(400, "Missing service name");
        return;
    }
    const auto dc = datacenterOf(call, s.state);
    if (!dc) {
        return;
    }
    auto params = BlockingParams::parse(call.request());
    if (!params) {
        call.fail(params.error());
        return;
    }
    auto filter = ListingFilter::fromRequest(call.request(), FilterTarget::CatalogServiceNode);
    if (!filter) {
        call.fail(filter.error());
        return;
    }
    AgentServices* sp = &s;
    const bool pretty = call.pretty();
    const bool visible = call.canRead();
    const std::vector<std::string> nodeMeta = call.request().queryValues("node-meta");
    const std::vector<std::string> tags = call.request().queryValues("tag");
    const std::string key = connect ? index_keys::connect(name) : index_keys::service(name);
    ListingFilter f = *filter;
    serveIndexed(
        call, s.blocking, *params, {key, index_keys::kServices},
        [sp, key] { return serviceIndex(*sp, key); },
        [sp, f, pretty, visible, name, tags, nodeMeta, connect, dc = *dc]() {
            OJson out = OJson::array();
            if (!visible) {
                return HttpResponse::json(200, out, pretty);
            }
            const auto entries =
                connect ? sp->state.connectEntries(dc, name) : sp->state.serviceEntries(dc, name);
            for (const auto& [node, svc] : entries) {
                if (!hasAllTags(*svc, tags) || !nodeMetaMatches(nodeMeta, *node)) {
                    continue;
                }
                OJson element = catalogServiceNodeJson(*svc, *node);
                auto keep = f.matches(element);
                if (!keep) {
                    return HttpResponse::text(500, keep.error().message);
                }
                if (*keep) {
                    out.push_back(std::move(element));
                }
            }
            return HttpResponse::json(200, out, pretty);
        });
}

void catalogNodes(AgentServices& s, const ApiCall& call) {
    const auto dc = datacenterOf(call, s.state);
    if (!dc) {
        return;
    }
    auto params = BlockingParams::parse(call.request());
    if (!params) {
        call.fail(params.error());
        return;
    }
    AgentServices* sp = &s;
    const bool pretty = call.pretty();
    const bool visible = call.canRead();
    const std::vector<std::string> nodeMeta = call.request().queryValues("node-meta");
    serveIndexed(
        call, s.blocking, *params, {index_keys::kNodes},
        [sp] { return sp->indexes.get(index_keys::kNodes); },
        [sp, pretty, visible, nodeMeta, dc = *dc]() {
            OJson out = OJson::array();
            if (visible) {
                for (const NodeInfo* node : sp->state.catalogNodes(dc)) {
                    if (nodeMetaMatches(nodeMeta, *node)) {
                        out.push_back(nodeJson(*node));
                    }
                }
            }
            return HttpResponse::json(200, out, pretty);
        });
}

void catalogNode(AgentServices& s, const ApiCall& call) {
    const std::string name = call.suffix();
    if (name.empty()) {
        call.text(400, "Missing node name");
        return;
    }
    const auto dc = datacenterOf(call, s.state);
    if (!dc) {
        return;
    }
    auto params = BlockingParams::parse(call.request());
    if (!params) {
        call.fail(params.error());
        return;
    }
    AgentServices* sp = &s;
    const bool pretty = call.pretty();
    const bool visible = call.canRead();
    serveIndexed(
        call, s.blocking, *params, {index_keys::kServices, index_keys::kNodes},
        [sp] {
            return std::max(sp->indexes.get(index_keys::kServices),
                            sp->indexes.get(index_keys::kNodes));
        },
        [sp, pretty, visible, name, dc = *dc]() {
            const NodeInfo* node = visible ? sp->state.catalogNode(dc, name) : nullptr;
            if (node == nullptr) {
                return HttpResponse::json(200, nullptr, pretty);
            }
            OJson services = OJson::object();
            for (const ServiceRecord* svc : sp->state.nodeServices(dc, name)) {
                appendMember(services, svc->id, nodeServiceJson(*svc));
            }
            return HttpResponse::json(200, OJson{{"Node", nodeJson(*node)}, {"Services", services}},
                                      pretty);
        });
}

// PUT /catalog/register: another node's entries (Consul's CatalogRegister + Catalog.Register).
void catalogRegister(AgentServices& s, const ApiCall& call) {
    auto reg = decodeRequestBody(call.request(), decodeCatalogRegistration);
    if (!reg) {
        call.fail(reg.error());
        return;
    }
    if (auto acl = call.require("node:write", reg->node); !acl) {
        call.fail(acl.error());
        return;
    }
    if (reg->service) {
        if (auto acl = call.require("service:write", reg->service->name); !acl) {
            call.fail(acl.error());
            return;
        }
    }
    const std::string node = reg->node;
    if (auto r = s.state.registerCatalog(std::move(*reg)); !r) {
        call.fail(r.error());
        return;
    }
    s.log.log(LogLevel::Debug, "agent", "Catalog registration", {{"node", node}});
    call.json(200, true);
}

// PUT /catalog/deregister: a service, a check or a whole node of another node's entries.
void catalogDeregister(AgentServices& s, const ApiCall& call) {
    auto dereg = decodeRequestBody(call.request(), decodeCatalogDeregistration);
    if (!dereg) {
        call.fail(dereg.error());
        return;
    }
    if (auto acl = call.require("node:write", dereg->node); !acl) {
        call.fail(acl.error());
        return;
    }
    if (auto r = s.state.deregisterCatalog(std::move(*dereg)); !r) {
        call.fail(r.error());
        return;
    }
    call.json(200, true);
}

}  // namespace

void addCatalogRoutes(ApiRouter& router, AgentServices& s) {
    AgentServices* sp = &s;
    router.add("/v1/catalog/services", {"GET"},
               [sp](const ApiCall& call) { catalogServices(*sp, call); });
    router.add("/v1/catalog/service/", {"GET"},
               [sp](const ApiCall& call) { catalogService(*sp, call, false); });
    router.add("/v1/catalog/connect/", {"GET"},
               [sp](const ApiCall& call) { catalogService(*sp, call, true); });
    router.add("/v1/catalog/nodes", {"GET"},
               [sp](const ApiCall& call) { catalogNodes(*sp, call); });
    router.add("/v1/catalog/node/", {"GET"}, [sp](const ApiCall& call) { catalogNode(*sp, call); });
    router.add("/v1/catalog/register", {"PUT"},
               [sp](const ApiCall& call) { catalogRegister(*sp, call); });
    router.add("/v1/catalog/deregister", {"PUT"},
               [sp](const ApiCall& call) { catalogDeregister(*sp, call); });
    // Consul answers these without resolving a token.
    router.add(
        "/v1/catalog/datacenters", {"GET"},
        [sp](const ApiCall& call) {
            OJson out = OJson::array();
            for (const auto& dc : sp->state.datacenters()) {
                out.push_back(dc);
            }
            call.json(200, out);
        },
        true);
    // The agent stands in for every datacenter's servers: they all lead from its address.
    router.add(
        "/v1/status/leader", {"GET"},
        [sp](const ApiCall& call) {
            if (datacenterOf(call, sp->state)) {
                call.json(200, sp->state.node().address + ":8300");
            }
        },
        true);
    router.add(
        "/v1/status/peers", {"GET"},
        [sp](const ApiCall& call) {
            if (datacenterOf(call, sp->state)) {
                call.json(200, OJson::array({sp->state.node().address + ":8300"}));
            }
        },
        true);
}

}  // namespace meshx::agent
