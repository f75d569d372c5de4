// /v1/agent/connect/ca/roots, /v1/connect/ca/roots, /v1/agent/connect/ca/leaf/:service,
// /v1/agent/connect/authorize.
#include "agent/agent_services.h"
#include "agent/api_router.h"
#include "agent/blocking_query.h"
#include "agent/ca/spiffe_id.h"
#include "agent/datacenter_param.h"
#include "agent/index_keys.h"
#include "agent/intention_store.h"
#include "agent/leaf_certificates.h"
#include "agent/request_body.h"
#include "agent/response_shapes.h"

namespace meshx::agent {

namespace {

struct AuthorizeRequest {
    std::string target;
    std::string clientCertUri;
    std::string clientCertSerial;
};

AuthorizeRequest decodeAuthorize(const IJson& body) {
    GoObjectReader r(body, "structs.ConnectAuthorizeRequest", "ConnectAuthorizeRequest", "",
                     {"Target", "ClientCertURI", "ClientCertSerial", "Namespace", "Partition"});
    return AuthorizeRequest{r.str("Target").value_or(""), r.str("ClientCertURI").value_or(""),
                            r.str("ClientCertSerial").value_or("")};
}

OJson rootJson(const ConnectCaRoot& root, uint64_t index) {
    return OJson{{"ID", root.id},
                 {"Name", root.name},
                 {"SerialNumber", root.serialNumber},
                 {"SigningKeyID", root.signingKeyId},
                 {"ExternalTrustDomain", root.externalTrustDomain},
                 {"NotBefore", root.notBeforeText()},
                 {"NotAfter", root.notAfterText()},
                 {"RootCert", root.rootCertPem},
                 {"IntermediateCerts", nullptr},
                 {"Active", root.active},
                 {"PrivateKeyType", root.privateKeyType},
                 {"PrivateKeyBits", root.privateKeyBits},
                 {"CreateIndex", index},
                 {"ModifyIndex", index}};
}

OJson rootsJson(const ConnectCa& ca, uint64_t index) {
    OJson roots = OJson::array();
    for (const ConnectCaRoot& r : ca.roots()) {
        roots.push_back(rootJson(r, index));
    }
    return OJson{
        {"ActiveRootID", ca.rootId()}, {"TrustDomain", ca.trustDomain()}, {"Roots", roots}};
}

void roots(AgentServices& s, const ApiCall& call) {
    // Roots are the same in every datacenter of a federation; an unknown ?dc= is refused.
    if (!datacenterOf(call, s.state)) {
        return;
    }
    auto params = BlockingParams::parse(call.request());
    if (!params) {
        call.fail(params.error());
        return;
    }
    if (s.leaves.authority() == nullptr) {
        call.text(500, "Connect must be enabled in order to use this endpoint");
        return;
    }
    AgentServices* sp = &s;
    const bool pretty = call.pretty();
    serveIndexed(
        call, s.blocking, *params, {index_keys::kCaRoots},
        [sp] { return sp->indexes.get(index_keys::kCaRoots); },
        [sp, pretty]() {
            HttpResponse r = HttpResponse::json(
                200, rootsJson(*sp->leaves.authority(), sp->indexes.get(index_keys::kCaRoots)),
                pretty);
            r.setHeader("X-Cache", "MISS");
            return r;
        });
}

void leaf(AgentServices& s, const ApiCall& call) {
    const std::string service = call.suffix();
    if (service.empty()) {
        call.text(400, "Missing service name");
        return;
    }
    auto params = BlockingParams::parse(call.request());
    if (!params) {
        call.fail(params.error());
        return;
    }
    if (auto acl = call.require("service:write", service); !acl) {
        call.fail(acl.error());
        return;
    }
    auto first = s.leaves.current(service);
    if (!first) {
        call.fail(first.error());
        return;
    }
    AgentServices* sp = &s;
    const bool pretty = call.pretty();
    serveIndexed(
        call, s.blocking, *params, {index_keys::leaf(service), index_keys::kCaRoots},
        [sp, service] { return sp->leaves.index(service); },
        [sp, service, pretty]() {
            auto c = sp->leaves.current(service);
            if (!c) {
                return HttpResponse::text(500, c.error().message);
            }
            const ConnectCaLeaf& cert = (*c)->cert;
            HttpResponse r = HttpResponse::json(200,
                                                OJson{{"SerialNumber", cert.serialNumber},
                                                      {"CertPEM", cert.certPem},
                                                      {"PrivateKeyPEM", cert.privateKeyPem},
                                                      {"Service", service},
                                                      {"ServiceURI", cert.serviceUri},
                                                      {"ValidAfter", cert.validAfterText()},
                                                      {"ValidBefore", cert.validBeforeText()},
                                                      {"CreateIndex", (*c)->createIndex},
                                                      {"ModifyIndex", (*c)->modifyIndex}},
                                                pretty);
            r.setHeader("X-Cache", "MISS");
            return r;
        });
}

void authorize(AgentServices& s, const ApiCall& call) {
    auto req = decodeRequestBody(call.request(), decodeAuthorize);
    if (!req) {
        call.fail(req.error());
        return;
    }
    if (req->target.empty()) {
        call.text(400, "Target service must be specified");
        return;
    }
    auto id = SpiffeId::parseService(req->clientCertUri);
    if (!id) {
        call.text(400, id.error().message);
        return;
    }
    if (auto acl = call.require("service:write", req->target); !acl) {
        call.fail(acl.error());
        return;
    }
    const auto decision =
        s.intentions.authorize(id->service, req->target, s.config.intentionsDefaultAllow());
    HttpResponse r = HttpResponse::json(
        200, OJson{{"Authorized", decision.allowed}, {"Reason", decision.reason}}, call.pretty());
    r.setHeader("X-Cache", "MISS");
    call.respond(std::move(r));
}

}  // namespace

void addConnectRoutes(ApiRouter& router, AgentServices& s) {
    AgentServices* sp = &s;
    router.add(
        "/v1/agent/connect/ca/roots", {"GET"}, [sp](const ApiCall& call) { roots(*sp, call); },
        true);
    router.add(
        "/v1/connect/ca/roots", {"GET"}, [sp](const ApiCall& call) { roots(*sp, call); }, true);
    router.add("/v1/agent/connect/ca/leaf/", {"GET"},
               [sp](const ApiCall& call) { leaf(*sp, call); });
    router.add("/v1/agent/connect/authorize", {"POST"},
               [sp](const ApiCall& call) { authorize(*sp, call); });
}

}  // namespace meshx::agent
