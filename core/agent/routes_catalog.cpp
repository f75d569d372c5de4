// /v1/catalog/*, /v1/status/*: the cluster view of the agent's single node.
#include <algorithm>

#include "agent/agent_services.h"
#include "agent/api_router.h"
#include "agent/blocking_query.h"
#include "agent/index_keys.h"
#include "agent/listing_filter.h"
#include "agent/response_shapes.h"

namespace meshx::agent {

namespace {

// ?node-meta=key:value (repeatable, all must match) against the node's meta.
bool nodeMetaMatches(const HttpRequest& req) {
    const std::map<std::string, std::string> meta{{"consul-network-segment", ""}};
    for (const std::string& pair : req.queryValues("node-meta")) {
        const size_t colon = pair.find(':');
        const std::string key = pair.substr(0, colon);
        const std::string value = colon == std::string::npos ? "" : pair.substr(colon + 1);
        auto it = meta.find(key);
        if (it == meta.end() || it->second != value) {
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

uint64_t serviceIndex(const AgentServices& s, const std::string& name) {
    return s.indexes.get(index_keys::service(name), s.indexes.get(index_keys::kServices));
}

void catalogServices(AgentServices& s, const ApiCall& call) {
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
    const bool visible = call.canRead() && nodeMetaMatches(call.request());
    ListingFilter f = *filter;
    serveIndexed(
        call, s.blocking, *params, {index_keys::kServices},
        [sp] { return sp->indexes.get(index_keys::kServices); },
        [sp, f, pretty, visible]() {
            std::map<std::string, std::vector<std::string>> names;
            if (visible) {
                for (const ServiceRecord* svc : sp->state.catalogServices()) {
                    if (f.active()) {
                        auto keep = f.matches(catalogServiceNodeJson(*svc, sp->state.node()));
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

void catalogService(AgentServices& s, const ApiCall& call) {
    const std::string name = call.suffix();
    if (name.empty()) {
        call.text(400, "Missing service name");
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
    const bool visible = call.canRead() && nodeMetaMatches(call.request());
    const std::vector<std::string> tags = call.request().queryValues("tag");
    ListingFilter f = *filter;
    serveIndexed(
        call, s.blocking, *params, {index_keys::service(name), index_keys::kServices},
        [sp, name] { return serviceIndex(*sp, name); },
        [sp, f, pretty, visible, name, tags]() {
            OJson out = OJson::array();
            if (visible) {
                for (const ServiceRecord* svc : sp->state.catalogInstances(name)) {
                    if (!hasAllTags(*svc, tags)) {
                        continue;
                    }
                    OJson element = catalogServiceNodeJson(*svc, sp->state.node());
                    auto keep = f.matches(element);
                    if (!keep) {
                        return HttpResponse::text(500, keep.error().message);
                    }
                    if (*keep) {
                        out.push_back(std::move(element));
                    }
                }
            }
            return HttpResponse::json(200, out, pretty);
        });
}

void catalogNodes(AgentServices& s, const ApiCall& call) {
    auto params = BlockingParams::parse(call.request());
    if (!params) {
        call.fail(params.error());
        return;
    }
    AgentServices* sp = &s;
    const bool pretty = call.pretty();
    const bool visible = call.canRead() && nodeMetaMatches(call.request());
    serveIndexed(
        call, s.blocking, *params, {index_keys::kNodes},
        [sp] { return sp->indexes.get(index_keys::kNodes); },
        [sp, pretty, visible]() {
            OJson out = OJson::array();
            if (visible) {
                out.push_back(nodeJson(sp->state.node()));
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
        [sp, pretty, visible, name]() {
            if (!visible || name != sp->state.node().name) {
                return HttpResponse::json(200, nullptr, pretty);
            }
            OJson services = OJson::object();
            for (const ServiceRecord* svc : sp->state.catalogServices()) {
                appendMember(services, svc->id, nodeServiceJson(*svc));
            }
            return HttpResponse::json(
                200, OJson{{"Node", nodeJson(sp->state.node())}, {"Services", services}}, pretty);
        });
}

}  // namespace

void addCatalogRoutes(ApiRouter& router, AgentServices& s) {
    AgentServices* sp = &s;
    router.add("/v1/catalog/services", {"GET"},
               [sp](const ApiCall& call) { catalogServices(*sp, call); });
    router.add("/v1/catalog/service/", {"GET"},
               [sp](const ApiCall& call) { catalogService(*sp, call); });
    router.add("/v1/catalog/nodes", {"GET"},
               [sp](const ApiCall& call) { catalogNodes(*sp, call); });
    router.add("/v1/catalog/node/", {"GET"}, [sp](const ApiCall& call) { catalogNode(*sp, call); });
    // Consul answers these without resolving a token.
    router.add(
        "/v1/catalog/datacenters", {"GET"},
        [sp](const ApiCall& call) { call.json(200, OJson::array({sp->state.node().datacenter})); },
        true);
    router.add(
        "/v1/status/leader", {"GET"},
        [sp](const ApiCall& call) { call.json(200, sp->state.node().address + ":8300"); }, true);
    router.add(
        "/v1/status/peers", {"GET"},
        [sp](const ApiCall& call) {
            call.json(200, OJson::array({sp->state.node().address + ":8300"}));
        },
        true);
}

}  // namespace meshx::agent
