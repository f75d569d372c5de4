// /v1/health/service, connect, checks, state, node.
#include <algorithm>

#include "agent/agent_services.h"
#include "agent/api_router.h"
#include "agent/blocking_query.h"
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
OJson healthEntry(const AgentServices& s, const ServiceRecord& svc, bool& passing) {
    OJson checks = OJson::array();
    passing = true;
    auto add = [&](const CheckRecord* c) {
        passing = passing && c->status == kHealthPassing;
        checks.push_back(catalogCheckJson(*c, s.state.node()));
    };
    for (const CheckRecord* c : s.state.catalogNodeChecks()) {
        add(c);
    }
    for (const CheckRecord* c : s.state.serviceChecks(svc.id)) {
        add(c);
    }
    return OJson{
        {"Node", nodeJson(s.state.node())}, {"Service", nodeServiceJson(svc)}, {"Checks", checks}};
}

// /health/service/:name and /health/connect/:name.
void serviceHealth(AgentServices& s, const ApiCall& call, bool connect) {
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
        [sp, f, pretty, visible, name, tags, connect, passingOnly]() {
            OJson out = OJson::array();
            if (!visible) {
                return HttpResponse::json(200, out, pretty);
            }
            const auto selected =
                connect ? sp->state.connectInstances(name) : sp->state.catalogInstances(name);
            for (const ServiceRecord* svc : selected) {
                if (!hasAllTags(*svc, tags)) {
                    continue;
                }
                bool passing = true;
                OJson entry = healthEntry(*sp, *svc, passing);
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

// /health/checks/:name, /health/state/:state, /health/node/:node: arrays of checks.
void checkList(AgentServices& s, const ApiCall& call, std::vector<std::string> keys,
               std::function<uint64_t()> index,
               std::function<std::vector<const CheckRecord*>()> select) {
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
    AgentServices* sp = &s;
    const bool pretty = call.pretty();
    const bool visible = call.canRead();
    ListingFilter f = *filter;
    serveIndexed(call, s.blocking, *params, std::move(keys), std::move(index),
                 [sp, f, pretty, visible, select]() {
                     OJson out = OJson::array();
                     if (!visible) {
                         return HttpResponse::json(200, out, pretty);
                     }
                     for (const CheckRecord* c : select()) {
                         OJson element = catalogCheckJson(*c, sp->state.node());
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
            [sp, name] {
                std::vector<const CheckRecord*> out;
                for (const ServiceRecord* svc : sp->state.catalogInstances(name)) {
                    for (const CheckRecord* c : sp->state.serviceChecks(svc->id)) {
                        out.push_back(c);
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
            [sp, state] {
                std::vector<const CheckRecord*> out;
                for (const CheckRecord* c : sp->state.catalogNodeChecks()) {
                    if (state == "any" || c->status == state) {
                        out.push_back(c);
                    }
                }
                for (const auto& [id, c] : sp->state.checks()) {
                    if (!c.serviceId.empty() && (state == "any" || c.status == state)) {
                        out.push_back(&c);
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
            [sp, node] {
                std::vector<const CheckRecord*> out;
                if (node != sp->state.node().name) {
                    return out;
                }
                for (const CheckRecord* c : sp->state.catalogNodeChecks()) {
                    out.push_back(c);
                }
                for (const auto& [id, c] : sp->state.checks()) {
                    if (!c.serviceId.empty()) {
                        out.push_back(&c);
                    }
                }
                return out;
            });
    });
}

}  // namespace meshx::agent
