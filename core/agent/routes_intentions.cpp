// /v1/connect/intentions: list, legacy create, exact, match, check, by ID.
#include "agent/agent_services.h"
#include "agent/api_router.h"
#include "agent/blocking_query.h"
#include "agent/datacenter_param.h"
#include "agent/index_keys.h"
#include "agent/intention_store.h"
#include "agent/listing_filter.h"
#include "agent/request_body.h"

namespace meshx::agent {

namespace {

// Missing query parameters are a 500 in Consul (§1.6).
std::optional<std::string> requiredParam(const ApiCall& call, const char* name) {
    auto v = call.request().queryValue(name);
    if (!v || v->empty()) {
        call.text(500, std::string("required query parameter '") + name + "' not set");
        return std::nullopt;
    }
    return v;
}

uint64_t intentionsIndex(const AgentServices& s) {
    return s.indexes.get(index_keys::kIntentions);
}

void listIntentions(AgentServices& s, const ApiCall& call) {
    auto params = BlockingParams::parse(call.request());
    if (!params) {
        call.fail(params.error());
        return;
    }
    auto filter = ListingFilter::fromRequest(call.request(), FilterTarget::Intention);
    if (!filter) {
        call.fail(filter.error());
        return;
    }
    AgentServices* sp = &s;
    const bool pretty = call.pretty();
    const bool visible = call.canRead();
    ListingFilter f = *filter;
    serveIndexed(
        call, s.blocking, *params, {index_keys::kIntentions}, [sp] { return intentionsIndex(*sp); },
        [sp, f, pretty, visible]() {
            OJson out = OJson::array();
            if (visible) {
                for (const Intention* ixn : sp->intentions.list()) {
                    OJson element = intentionJson(*ixn);
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

void createLegacy(AgentServices& s, const ApiCall& call) {
    auto input = decodeRequestBody(call.request(), decodeIntention);
    if (!input) {
        call.fail(input.error());
        return;
    }
    if (auto acl = call.require("intention:write", input->destinationName); !acl) {
        call.fail(acl.error());
        return;
    }
    auto id = s.intentions.createLegacy(std::move(*input));
    if (!id) {
        call.fail(id.error());
        return;
    }
    call.json(200, OJson{{"ID", *id}});
}

void exact(AgentServices& s, const ApiCall& call) {
    auto source = requiredParam(call, "source");
    if (!source) {
        return;
    }
    auto destination = requiredParam(call, "destination");
    if (!destination) {
        return;
    }
    const std::string& method = call.request().method;
    const char* permission = method == "GET" ? "intention:read" : "intention:write";
    if (auto acl = call.require(permission, *destination); !acl) {
        call.fail(acl.error());
        return;
    }
    if (method == "PUT") {
        auto input = decodeRequestBody(call.request(), decodeIntention);
        if (!input) {
            call.fail(input.error());
            return;
        }
        if (auto r = s.intentions.upsertExact(*source, *destination, std::move(*input)); !r) {
            call.fail(r.error());
            return;
        }
        call.json(200, true);
        return;
    }
    if (method == "DELETE") {
        s.intentions.deleteExact(*source, *destination);
        call.json(200, true);
        return;
    }
    auto params = BlockingParams::parse(call.request());
    if (!params) {
        call.fail(params.error());
        return;
    }
    AgentServices* sp = &s;
    const bool pretty = call.pretty();
    const std::string src = *source;
    const std::string dst = *destination;
    serveIndexed(
        call, s.blocking, *params, {index_keys::kIntentions}, [sp] { return intentionsIndex(*sp); },
        [sp, pretty, src, dst]() {
            const Intention* ixn = sp->intentions.exact(src, dst);
            if (ixn == nullptr) {
                return HttpResponse::text(404, "Intention not found");
            }
            return HttpResponse::json(200, intentionJson(*ixn), pretty);
        });
}

void match(AgentServices& s, const ApiCall& call) {
    auto by = requiredParam(call, "by");
    if (!by) {
        return;
    }
    if (*by != "source" && *by != "destination") {
        call.text(500, "'by' parameter must be one of 'source' or 'destination'");
        return;
    }
    std::vector<std::string> names;
    for (const auto& n : call.request().queryValues("name")) {
        if (!n.empty()) {
            names.push_back(n);
        }
    }
    if (names.empty()) {
        call.text(500, "required query parameter 'name' not set");
        return;
    }
    for (const auto& n : names) {
        if (auto acl = call.require("intention:read", n); !acl) {
            call.fail(acl.error());
            return;
        }
    }
    auto params = BlockingParams::parse(call.request());
    if (!params) {
        call.fail(params.error());
        return;
    }
    AgentServices* sp = &s;
    const bool pretty = call.pretty();
    const bool byDestination = *by == "destination";
    serveIndexed(
        call, s.blocking, *params, {index_keys::kIntentions}, [sp] { return intentionsIndex(*sp); },
        [sp, pretty, byDestination, names]() {
            OJson out = OJson::object();
            for (const auto& n : names) {
                OJson list = OJson::array();
                for (const Intention* ixn : sp->intentions.match(byDestination, n)) {
                    list.push_back(intentionJson(*ixn));
                }
                out[n] = list;
            }
            return HttpResponse::json(200, out, pretty);
        });
}

void check(AgentServices& s, const ApiCall& call) {
    auto source = requiredParam(call, "source");
    if (!source) {
        return;
    }
    auto destination = requiredParam(call, "destination");
    if (!destination) {
        return;
    }
    if (auto acl = call.require("intention:read", *destination); !acl) {
        call.fail(acl.error());
        return;
    }
    const auto decision =
        s.intentions.authorize(*source, *destination, s.config.intentionsDefaultAllow());
    call.json(200, OJson{{"Allowed", decision.allowed}});
}

void byId(AgentServices& s, const ApiCall& call) {
    const std::string id = call.suffix();
    const std::string& method = call.request().method;
    const Intention* existing = s.intentions.byId(id);
    if (existing == nullptr) {
        call.text(404, "Intention not found");
        return;
    }
    const char* permission = method == "GET" ? "intention:read" : "intention:write";
    if (auto acl = call.require(permission, existing->destinationName); !acl) {
        call.fail(acl.error());
        return;
    }
    if (method == "GET") {
        call.json(200, intentionJson(*existing));
    } else if (method == "DELETE") {
        s.intentions.deleteById(id);
        call.json(200, true);
    } else {
        auto input = decodeRequestBody(call.request(), decodeIntention);
        if (!input) {
            call.fail(input.error());
            return;
        }
        if (auto r = s.intentions.updateById(id, std::move(*input)); !r) {
            call.fail(r.error());
            return;
        }
        call.json(200, OJson{{"ID", id}});
    }
}

}  // namespace

void addIntentionRoutes(ApiRouter& router, AgentServices& s) {
    AgentServices* sp = &s;
    // Intentions are replicated from the primary datacenter in Consul, so every datacenter
    // the agent knows answers with the same ones; an unknown ?dc= is refused.
    auto inKnownDc = [sp](void (*handler)(AgentServices&, const ApiCall&)) {
        return [sp, handler](const ApiCall& call) {
            if (datacenterOf(call, sp->state)) {
                handler(*sp, call);
            }
        };
    };
    router.add("/v1/connect/intentions", {"GET", "POST"},
               inKnownDc([](AgentServices& services, const ApiCall& call) {
                   if (call.request().method == "POST") {
                       createLegacy(services, call);
                   } else {
                       listIntentions(services, call);
                   }
               }));
    router.add("/v1/connect/intentions/exact", {"GET", "PUT", "DELETE"}, inKnownDc(exact));
    router.add("/v1/connect/intentions/match", {"GET"}, inKnownDc(match));
    router.add("/v1/connect/intentions/check", {"GET"}, inKnownDc(check));
    router.add("/v1/connect/intentions/", {"GET", "PUT", "DELETE"}, inKnownDc(byId));
}

}  // namespace meshx::agent
