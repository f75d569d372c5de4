// /v1/agent/self, services, service/:id, register, deregister, maintenance, agent health.
#include "agent/agent_services.h"
#include "agent/api_router.h"
#include "agent/blocking_query.h"
#include "agent/definition_decoder.h"
#include "agent/go_duration.h"
#include "agent/index_keys.h"
#include "agent/listing_filter.h"
#include "agent/registration_validator.h"
#include "agent/request_body.h"
#include "agent/response_shapes.h"
#include "agent/service_prefilter.h"
#include "meshx/version.h"

namespace meshx::agent {

namespace {

OJson selfJson(const AgentServices& s) {
    const NodeInfo& node = s.state.node();
    OJson config{{"Datacenter", node.datacenter}, {"PrimaryDatacenter", node.datacenter},
                 {"NodeName", node.name},         {"NodeID", node.id},
                 {"Revision", "meshx"},           {"Server", true},
                 {"Version", "1.16.0"},           {"BuildDate", "2023-06-26T00:00:00Z"}};
    OJson member{{"Name", node.name},
                 {"Addr", node.address},
                 {"Port", 8301},
                 {"Tags", OJson{{"acls", s.config.aclsEnabled() ? "1" : "0"},
                                {"bootstrap", "1"},
                                {"build", "1.16.0:meshx"},
                                {"dc", node.datacenter},
                                {"id", node.id},
                                {"port", "8300"},
                                {"raft_vsn", "3"},
                                {"role", "consul"},
                                {"segment", ""},
                                {"vsn", "2"},
                                {"vsn_max", "3"},
                                {"vsn_min", "2"}}},
                 {"Status", 1},
                 {"ProtocolMin", 1},
                 {"ProtocolMax", 5},
                 {"ProtocolCur", 2},
                 {"DelegateMin", 2},
                 {"DelegateMax", 5},
                 {"DelegateCur", 4}};
    OJson stats{{"agent", OJson{{"check_monitors", "0"},
                                {"check_ttls", "0"},
                                {"checks", std::to_string(s.state.checks().size())},
                                {"services", std::to_string(s.state.services().size())}}},
                {"build", OJson{{"prerelease", ""}, {"revision", "meshx"}, {"version", "1.16.0"}}}};
    return OJson{{"Config", config},
                 {"DebugConfig", OJson{{"Datacenter", node.datacenter},
                                       {"NodeName", node.name},
                                       {"DevMode", true},
                                       {"MeshxVersion", meshx::kVersion},
                                       {"ConnectSidecarMinPort", s.config.sidecarMinPort},
                                       {"ConnectSidecarMaxPort", s.config.sidecarMaxPort}}},
                 {"Coord", OJson{{"Vec", OJson::array({0, 0, 0, 0, 0, 0, 0, 0})},
                                 {"Error", 1.5},
                                 {"Adjustment", 0},
                                 {"Height", 1e-05}}},
                 {"Member", member},
                 {"Stats", stats},
                 {"Meta", OJson{{"consul-network-segment", ""}}}};
}

bool wantsText(const HttpRequest& req) {
    if (const std::string* accept = req.header("accept");
        accept != nullptr && accept->rfind("text/plain", 0) == 0) {
        return true;
    }
    if (auto format = req.queryValue("format"); format && !format->empty()) {
        return *format == "text";
    }
    return false;
}

int statusCodeFor(const std::string& aggregate) {
    if (aggregate == kHealthPassing) {
        return 200;
    }
    if (aggregate == kHealthWarning) {
        return 429;
    }
    return 503;
}

// Agent health entry: {"AggregatedStatus","Service","Checks"} with node checks included.
OJson healthInfoJson(const AgentServices& s, const ServiceRecord& svc) {
    OJson checks = OJson::array();
    for (const CheckRecord* c : s.state.localNodeChecks()) {
        checks.push_back(agentHealthCheckJson(*c, s.state.node()));
    }
    for (const CheckRecord* c : s.state.serviceChecks(svc.id)) {
        checks.push_back(agentHealthCheckJson(*c, s.state.node()));
    }
    return OJson{{"AggregatedStatus", s.state.aggregatedStatus(svc.id)},
                 {"Service", agentServiceJson(svc, s.state.node())},
                 {"Checks", checks}};
}

HttpResponse reasoned(HttpResponse r, const std::string& reason) {
    r.setHeader("X-Consul-Reason", reason);
    return r;
}

void healthById(AgentServices& s, const ApiCall& call) {
    const std::string& id = call.suffix();
    if (id.empty()) {
        call.text(400, "Missing serviceID");
        return;
    }
    const ServiceRecord* svc = s.state.service(id);
    if (svc != nullptr) {
        if (auto acl = call.require("service:read", svc->service); !acl) {
            call.fail(acl.error());
            return;
        }
    }
    const bool text = wantsText(call.request());
    if (svc == nullptr) {
        const std::string reason = "ServiceId " + id + " not found";
        if (text) {
            HttpResponse r = HttpResponse::text(404, reason);
            r.contentType = "text/plain";
            call.respond(reasoned(std::move(r), reason));
            return;
        }
        OJson body{
            {"AggregatedStatus", kHealthCritical}, {"Service", nullptr}, {"Checks", nullptr}};
        call.respond(reasoned(HttpResponse::json(404, body, call.pretty()), reason));
        return;
    }
    const std::string status = s.state.aggregatedStatus(id);
    const int code = statusCodeFor(status);
    if (text) {
        HttpResponse r = HttpResponse::text(code, status);
        r.contentType = "text/plain";
        call.respond(reasoned(std::move(r), status));
        return;
    }
    call.respond(
        reasoned(HttpResponse::json(code, healthInfoJson(s, *svc), call.pretty()), status));
}

void healthByName(AgentServices& s, const ApiCall& call) {
    const std::string& name = call.suffix();
    if (name.empty()) {
        call.text(400, "Missing service Name");
        return;
    }
    if (auto acl = call.require("service:read", name); !acl) {
        call.fail(acl.error());
        return;
    }
    int code = 404;
    std::string status = "ServiceName " + name + " Not Found";
    OJson result = OJson::array();
    for (const auto& [id, svc] : s.state.services()) {
        if (svc.service != name) {
            continue;
        }
        const std::string st = s.state.aggregatedStatus(id);
        const int sc = statusCodeFor(st);
        result.push_back(healthInfoJson(s, svc));
        if (code == 404 || code < sc) {
            code = sc;
            status = st;
        }
    }
    if (wantsText(call.request())) {
        HttpResponse r = HttpResponse::text(code, status);
        r.contentType = "text/plain";
        call.respond(reasoned(std::move(r), status));
        return;
    }
    call.respond(reasoned(HttpResponse::json(code, result, call.pretty()), status));
}

void listServices(AgentServices& s, const ApiCall& call) {
    auto filter = ListingFilter::fromRequest(call.request(), FilterTarget::AgentService);
    if (!filter) {
        call.fail(filter.error());
        return;
    }
    const ServicePrefilter prefilter(filter->requiredEquals());
    OJson out = OJson::object();
    if (call.canRead()) {
        reserveMembers(out, prefilter.empty() ? s.state.services().size() : 1);
        for (const auto& [id, svc] : s.state.services()) {
            if (!prefilter.mayMatch(svc)) {
                continue;  // differs in a required field: the filter would drop it
            }
            OJson element = agentServiceJson(svc, s.state.node());
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

void getService(AgentServices& s, const ApiCall& call) {
    const std::string id = call.suffix();
    auto params = BlockingParams::parse(call.request());
    if (!params) {
        call.fail(params.error());
        return;
    }
    const ServiceRecord* svc = s.state.service(id);
    if (svc == nullptr) {
        call.text(404, "unknown service ID: " + id);
        return;
    }
    if (auto acl = call.require("service:read", svc->service); !acl) {
        call.fail(acl.error());
        return;
    }
    AgentServices* sp = &s;
    const bool pretty = call.pretty();
    serveHashed(call, s.blocking, *params, {index_keys::agentService(id)},
                [sp, id, pretty]() -> std::pair<HttpResponse, std::string> {
                    const ServiceRecord* current = sp->state.service(id);
                    if (current == nullptr) {
                        return {HttpResponse::text(404, "unknown service ID: " + id), ""};
                    }
                    const std::string hash = agentServiceContentHash(*current, sp->state.node());
                    HttpResponse r = HttpResponse::json(
                        200, agentServiceJson(*current, sp->state.node(), hash), pretty);
                    r.setHeader("X-Consul-Contenthash", hash);
                    return {std::move(r), hash};
                });
}

void registerService(AgentServices& s, const ApiCall& call) {
    auto def = decodeRequestBody(call.request(), decodeServiceDefinition);
    if (!def) {
        call.fail(def.error());
        return;
    }
    if (auto valid = validateServiceDefinition(*def); !valid) {
        call.fail(valid.error());
        return;
    }
    if (auto acl = call.require("service:write", def->name); !acl) {
        call.fail(acl.error());
        return;
    }
    const auto flag = call.request().queryValue("replace-existing-checks");
    bool replace = false;
    if (flag) {
        std::string v = *flag;
        for (char& c : v) {
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
        replace = v.empty() || v == "true";
    }
    const std::string name = def->name;
    if (auto r = s.state.registerService(std::move(*def), replace); !r) {
        call.fail(r.error());
        return;
    }
    s.log.log(LogLevel::Debug, "agent", "Synced service", {{"service", name}});
    call.ok();
}

void deregisterService(AgentServices& s, const ApiCall& call) {
    const std::string& id = call.suffix();
    if (const ServiceRecord* svc = s.state.service(id)) {
        if (auto acl = call.require("service:write", svc->service); !acl) {
            call.fail(acl.error());
            return;
        }
    }
    if (auto r = s.state.deregisterService(id); !r) {
        call.fail(r.error());
        return;
    }
    s.log.log(LogLevel::Debug, "agent", "Deregistered service", {{"service", id}});
    call.ok();
}

void maintenance(AgentServices& s, const ApiCall& call) {
    const std::string& id = call.suffix();
    if (id.empty()) {
        call.text(400, "Missing service ID");
        return;
    }
    const auto raw = call.request().queryValue("enable");
    if (!raw) {
        call.text(400, "Missing value for enable");
        return;
    }
    const auto enable = parseGoBool(*raw);
    if (!enable) {
        call.text(400, "Invalid value for enable: " + goQuote(*raw));
        return;
    }
    if (const ServiceRecord* svc = s.state.service(id)) {
        if (auto acl = call.require("service:write", svc->service); !acl) {
            call.fail(acl.error());
            return;
        }
    }
    if (auto r = s.state.setServiceMaintenance(id, *enable, call.request().queryOr("reason")); !r) {
        call.fail(r.error());
        return;
    }
    call.ok();
}

// PUT /agent/maintenance: the whole node (a critical `_node_maintenance` check that turns
// every local service's aggregate to maintenance).
void nodeMaintenance(AgentServices& s, const ApiCall& call) {
    const auto raw = call.request().queryValue("enable");
    if (!raw) {
        call.text(400, "Missing value for enable");
        return;
    }
    const auto enable = parseGoBool(*raw);
    if (!enable) {
        call.text(400, "Invalid value for enable: " + goQuote(*raw));
        return;
    }
    if (auto acl = call.require("node:write", s.state.node().name); !acl) {
        call.fail(acl.error());
        return;
    }
    if (auto r = s.state.setNodeMaintenance(*enable, call.request().queryOr("reason")); !r) {
        call.fail(r.error());
        return;
    }
    call.ok();
}

}  // namespace

void addAgentRoutes(ApiRouter& router, AgentServices& s) {
    AgentServices* sp = &s;
    router.add("/v1/agent/self", {"GET"}, [sp](const ApiCall& call) {
        if (auto acl = call.require("agent:read", sp->state.node().name); !acl) {
            call.fail(acl.error());
            return;
        }
        call.json(200, selfJson(*sp));
    });
    router.add("/v1/agent/members", {"GET"}, [sp](const ApiCall& call) {
        OJson members = OJson::array();
        if (call.canRead()) {
            members.push_back(selfJson(*sp)["Member"]);
        }
        call.json(200, members);
    });
    router.add("/v1/agent/services", {"GET"},
               [sp](const ApiCall& call) { listServices(*sp, call); });
    router.add("/v1/agent/service/", {"GET"}, [sp](const ApiCall& call) { getService(*sp, call); });
    router.add("/v1/agent/service/register", {"PUT"},
               [sp](const ApiCall& call) { registerService(*sp, call); });
    router.add("/v1/agent/service/deregister/", {"PUT"},
               [sp](const ApiCall& call) { deregisterService(*sp, call); });
    router.add("/v1/agent/service/maintenance/", {"PUT"},
               [sp](const ApiCall& call) { maintenance(*sp, call); });
    router.add("/v1/agent/maintenance", {"PUT"},
               [sp](const ApiCall& call) { nodeMaintenance(*sp, call); });
    router.add("/v1/agent/health/service/id/", {"GET"},
               [sp](const ApiCall& call) { healthById(*sp, call); });
    router.add("/v1/agent/health/service/name/", {"GET"},
               [sp](const ApiCall& call) { healthByName(*sp, call); });
}

}  // namespace meshx::agent
