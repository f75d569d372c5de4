// /v1/agent/checks, check register/deregister, pass/warn/fail/update.
#include "agent/agent_services.h"
#include "agent/api_router.h"
#include "agent/definition_decoder.h"
#include "agent/listing_filter.h"
#include "agent/registration_validator.h"
#include "agent/request_body.h"
#include "agent/response_shapes.h"

namespace meshx::agent {

namespace {

struct CheckUpdate {
    std::string status;
    std::string output;
};

CheckUpdate decodeCheckUpdate(const IJson& body) {
    GoObjectReader r(body, "agent.checkUpdate", "checkUpdate", "", {"Status", "Output"});
    return CheckUpdate{r.str("Status").value_or(""), r.str("Output").value_or("")};
}

// ACL for writes to an existing check: service:write on its service, node:write for node checks.
Status vetCheckWrite(const AgentServices& s, const ApiCall& call, const CheckRecord& check) {
    if (!check.serviceId.empty()) {
        return call.require("service:write", check.serviceName);
    }
    return call.require("node:write", s.state.node().name);
}

void listChecks(AgentServices& s, const ApiCall& call) {
    auto filter = ListingFilter::fromRequest(call.request(), FilterTarget::HealthCheck);
    if (!filter) {
        call.fail(filter.error());
        return;
    }
    OJson out = OJson::object();
    if (call.canRead()) {
        reserveMembers(out, s.state.checks().size());
        for (const auto& [id, check] : s.state.checks()) {
            OJson element = agentCheckJson(check, s.state.node());
            auto keep = filter->matches(element);
            if (!keep) {
                call.fail(keep.error());
                return;
            }
            if (*keep) {
                appendMember(out, id, std::move(element));
            }
        }
    }
    call.json(200, out);
}

void registerCheck(AgentServices& s, const ApiCall& call) {
    auto def = decodeRequestBody(call.request(), decodeCheckDefinition);
    if (!def) {
        call.fail(def.error());
        return;
    }
    if (auto valid = validateCheckDefinition(*def); !valid) {
        call.fail(valid.error());
        return;
    }
    const ServiceRecord* svc = def->serviceId.empty() ? nullptr : s.state.service(def->serviceId);
    auto acl = svc != nullptr ? call.require("service:write", svc->service)
                              : call.require("node:write", s.state.node().name);
    if (!acl) {
        call.fail(acl.error());
        return;
    }
    if (auto r = s.state.registerCheck(std::move(*def)); !r) {
        call.fail(r.error());
        return;
    }
    call.ok();
}

void deregisterCheck(AgentServices& s, const ApiCall& call) {
    const std::string& id = call.suffix();
    if (const CheckRecord* check = s.state.check(id)) {
        if (auto acl = vetCheckWrite(s, call, *check); !acl) {
            call.fail(acl.error());
            return;
        }
    }
    if (auto r = s.state.deregisterCheck(id); !r) {
        call.fail(r.error());
        return;
    }
    call.ok();
}

void updateTtl(AgentServices& s, const ApiCall& call, const std::string& status,
               const std::string& output) {
    const std::string& id = call.suffix();
    if (const CheckRecord* check = s.state.check(id)) {
        if (auto acl = vetCheckWrite(s, call, *check); !acl) {
            call.fail(acl.error());
            return;
        }
    }
    if (auto r = s.state.updateTtlCheck(id, status, output); !r) {
        call.fail(r.error());
        return;
    }
    call.ok();
}

}  // namespace

void addCheckRoutes(ApiRouter& router, AgentServices& s) {
    AgentServices* sp = &s;
    router.add("/v1/agent/checks", {"GET"}, [sp](const ApiCall& call) { listChecks(*sp, call); });
    router.add("/v1/agent/check/register", {"PUT"},
               [sp](const ApiCall& call) { registerCheck(*sp, call); });
    router.add("/v1/agent/check/deregister/", {"PUT"},
               [sp](const ApiCall& call) { deregisterCheck(*sp, call); });
    for (const auto& [verb, status] :
         {std::pair{"pass", kHealthPassing}, std::pair{"warn", kHealthWarning},
          std::pair{"fail", kHealthCritical}}) {
        const std::string st = status;
        router.add(std::string("/v1/agent/check/") + verb + "/", {"PUT"},
                   [sp, st](const ApiCall& call) {
                       updateTtl(*sp, call, st, call.request().queryOr("note"));
                   });
    }
    router.add("/v1/agent/check/update/", {"PUT"}, [sp](const ApiCall& call) {
        auto update = decodeRequestBody(call.request(), decodeCheckUpdate);
        if (!update) {
            call.fail(update.error());
            return;
        }
        if (!isValidCheckStatus(update->status)) {
            call.text(400, "Invalid check status: '" + update->status + "'");
            return;
        }
        updateTtl(*sp, call, update->status, update->output);
    });
}

}  // namespace meshx::agent
