// /v1/health/service, connect, checks, state, node.
#include <algorithm>

#include "agent/agent_services.h"
#include "agent/api_router.h"
#include "agent/blocking_query.h"
#include "agent/datacenter_param.h"
#include "agent/index_keys.h"
#include "agent/listing_filter.h"
#include "agent/request_body.h"
#include "agent/response_shapes.h"

namespace meshx::agent {

namespace {

uint64_t healthIndex(const AgentServices& s, const std::string& key) {
    return std::max(s.indexes.get(key, s.indexes.get(index_keys::kServices)),
                    s.indexes.get(index_keys::kNodeChecks));
}

bool hasAllTags(const ServiceRecord& svc, const std::vector<std::string>& tags) {
    for (const auto& t : tags) {
        if (std::find(svc.tags.begin(), svc.tags.end(), t) == svc.tags.end()) {
            return false;
        }
    }
    return true;
}

// One {Node, Service, Checks} entry; `passing` tells whether every check passes.
OJson healthEntry(const AgentServices& s, const std::string& dc, const NodeInfo& node,
                  const ServiceRecord& svc, bool& passing) {
    OJson checks = OJson::array();
    passing = true;
    auto add = [&](const CheckRecord* c) {
        passing = passing && c->status == kHealthPassing;
        checks.push_back(catalogCheckJson(*c, node));
    };
    for (const CheckRecord* c : s.state.nodeLevelChecks(dc, node.name)) {
        add(c);
    }
    for (const CheckRecord* c : s.state.instanceChecks(dc, node.name, svc.id)) {
        add(c);
    }
    return OJson{{"Node", nodeJson(node)}, {"Service", nodeServiceJson(svc)}, {"Checks", checks}};
}

// /health/service/:name and /health/connect/:name.
void serviceHealth(AgentServices& s, const ApiCall& call, bool connect) {
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
    bool passingOnly = false;
    if (auto p = call.request().queryValue("passing")) {
        if (p->empty()) {
            passingOnly = true;
        } else if (auto b = parseGoBool(*p)) {
            passingOnly = *b;
        } else {
            call.text(400, "Invalid value for ?passing");
            return;
        }
    }
    auto filter = ListingFilter::fromRequest(call.request(), FilterTarget::HealthEntry);
    if (!filter) {
        call.fail(filter.error());
        return;
    }
    AgentServices* sp = &s;
    const bool pretty = call.pretty();
    const bool visible = call.canRead();
    const std::vector<std::string> tags = call.request().queryValues("tag");
    const std::string key = connect ? index_keys::connect(name) : index_keys::service(name);
    ListingFilter f = *filter;
    serveIndexed(
        call, s.blocking, *params, {key, index_keys::kServices, index_keys::kNodeChecks},
        [sp, key] { return healthIndex(*sp, key); },
        [sp, f, pretty, visible, name, tags, connect, passingOnly, dc = *dc]() {
            OJson out = OJson::array();
            if (!visible) {
                return HttpResponse::json(200, out, pretty);
            }
            const auto selected =
                connect ? sp->state.connectEntries(dc, name) : sp->state.serviceEntries(dc, name);
            for (const auto& [node, svc] : selected) {
                if (!hasAllTags(*svc, tags)) {
                    continue;
                }
                bool passing = true;
                OJson entry = healthEntry(*sp, dc, *node, *svc, passing);
                if (passingOnly && !passing) {
                    continue;
                }
                auto keep = f.matches(entry);
                if (!keep) {
                    return HttpResponse::text(500, keep.error().message);
                }
                if (*keep) {
                    out.push_back(std::move(entry));
                }
            }
            return HttpResponse::json(200, out, pretty);
        });
}

using NodeCheck = std::pair<const NodeInfo*, const CheckRecord*>;

// Every check of a node, with the node.
void appendNodeChecks(const AgentServices& s, const std::string& dc, const NodeInfo& node,
                      std::vector<NodeCheck>& out) {
    for (const CheckRecord* c : s.state.allNodeChecks(dc, node.name)) {
        out.emplace_back(&node, c);
    }
}

// /health/checks/:name, /health/state/:state, /health/node/:node: arrays of checks.
void checkList(AgentServices& s, const ApiCall& call, std::vector<std::string> keys,
               std::function<uint64_t()> index,
               std::function<std::vector<NodeCheck>(const std::string& dc)> select) {
    const auto dc = datacenterOf(call, s.state);
    if (!dc) {
        return;
    }
    auto params = BlockingParams::parse(call.request());
    if (!params) {
        call.fail(params.error());
        return;
    }
    auto filter = ListingFilter::fromRequest(call.request(), FilterTarget::HealthCheck);
    if (!filter) {
        call.fail(filter.error());
        return;
    }
    const bool pretty = call.pretty();
    const bool visible = call.canRead();
    ListingFilter f = *filter;
    serveIndexed(call, s.blocking, *params, std::move(keys), std::move(index),
                 [f, pretty, visible, select, dc = *dc]() {
                     OJson out = OJson::array();
                     if (!visible) {
                         return HttpResponse::json(200, out, pretty);
                     }
                     for (const auto& [node, c] : select(dc)) {
                         OJson element = catalogCheckJson(*c, *node);
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

}  // namespace

void addHealthRoutes(ApiRouter& router, AgentServices& s) {
    AgentServices* sp = &s;
    router.add("/v1/health/service/", {"GET"},
               [sp](const ApiCall& call) { serviceHealth(*sp, call, false); });
    router.add("/v1/health/connect/", {"GET"},
               [sp](const ApiCall& call) { serviceHealth(*sp, call, true); });
    router.add("/v1/health/checks/", {"GET"}, [sp](const ApiCall& call) {
        const std::string name = call.suffix();
        if (name.empty()) {
            call.text(400, "Missing service name");
            return;
        }
        const std::string key = index_keys::service(name);
        checkList(
            *sp, call, {key, index_keys::kServices},
            [sp, key] { return sp->indexes.get(key, sp->indexes.get(index_keys::kServices)); },
            [sp, name](const std::string& dc) {
                std::vector<NodeCheck> out;
                for (const auto& [node, svc] : sp->state.serviceEntries(dc, name)) {
                    for (const CheckRecord* c : sp->state.instanceChecks(dc, node->name, svc->id)) {
                        out.emplace_back(node, c);
                    }
                }
                return out;
            });
    });
    router.add("/v1/health/state/", {"GET"}, [sp](const ApiCall& call) {
        const std::string state = call.suffix();
        if (state.empty()) {
            call.text(400, "Missing check state");
            return;
        }
        if (state != "any" && !isValidCheckStatus(state)) {
            call.text(400, "Invalid check state");
            return;
        }
        checkList(
            *sp, call, {index_keys::kChecks}, [sp] { return sp->indexes.get(index_keys::kChecks); },
            [sp, state](const std::string& dc) {
                std::vector<NodeCheck> all;
                for (const NodeInfo* node : sp->state.catalogNodes(dc)) {
                    appendNodeChecks(*sp, dc, *node, all);
                }
                std::vector<NodeCheck> out;
                for (const NodeCheck& nc : all) {
                    if (state == "any" || nc.second->status == state) {
                        out.push_back(nc);
                    }
                }
                return out;
            });
    });
    router.add("/v1/health/node/", {"GET"}, [sp](const ApiCall& call) {
        const std::string node = call.suffix();
        if (node.empty()) {
            call.text(400, "Missing node name");
            return;
        }
        checkList(
            *sp, call, {index_keys::kChecks}, [sp] { return sp->indexes.get(index_keys::kChecks); },
            [sp, node](const std::string& dc) {
                std::vector<NodeCheck> out;
                if (const NodeInfo* info = sp->state.catalogNode(dc, node)) {
                    appendNodeChecks(*sp, dc, *info, out);
                }
                return out;
            });
    });
}

}  // namespace meshx::agent
