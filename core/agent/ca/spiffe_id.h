#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace meshx::agent {

// A Connect identity: the URI SAN of a Consul certificate (consul-api-subset.md §4.1), parsed as
// Consul's connect.ParseCertURI does.
//
//   spiffe://<td>/ns/<ns>/dc/<dc>/svc/<service>          service (CE: ns "default")
//   spiffe://<td>/ap/<partition>/ns/<ns>/dc/<dc>/svc/<s>  service in a non-default partition
//   spiffe://<td>/agent/client/dc/<dc>/id/<node>          agent
//   spiffe://<td>/agent/server/dc/<dc>                    server
//   spiffe://<td>/gateway/mesh/dc/<dc>                    mesh gateway
//   spiffe://<td>                                         the CA itself (signing ID of a root)
//
// Path segments are percent-decoded when parsed and escaped as Go's url.URL does when printed.
// A plain value type; any thread.
struct SpiffeId {
    enum class Kind { Service, Agent, Signing, Server, MeshGateway };

    Kind kind = Kind::Service;
    std::string trustDomain;  // the URI host, e.g. "<cluster-uuid>.consul"
    std::string partition;    // "" when the URI has no /ap/ segment (CE)
    std::string ns = "default";
    std::string datacenter;
    std::string service;  // Service
    std::string agent;    // Agent: the node name after /id/

    // Any Connect identity. Error (Code::InvalidArgument) text is the authorize endpoint's 400
    // body: "ClientCertURI not a valid Connect identifier".
    static Result<SpiffeId> parse(std::string_view uri);

    // A service identity only, with the authorize endpoint's texts: not a Connect identity →
    // "ClientCertURI not a valid Connect identifier"; a Connect identity of another kind (agent,
    // root) → "ClientCertURI not a valid Service identifier".
    static Result<SpiffeId> parseService(std::string_view uri);

    // The identity the built-in CA gives a service: spiffe://<td>/ns/default/dc/<dc>/svc/<name>.
    static SpiffeId forService(std::string trustDomain, std::string datacenter,
                               std::string service);

    // The URI, e.g. "spiffe://1111...consul/ns/default/dc/dc1/svc/web". The /ap/ segment appears
    // only for a partition other than "" and "default", as in Consul.
    std::string uri() const;

    // Consul's peer check (connect/tls.go): the host is ignored, the rest of the URI compared
    // case-insensitively ("/ns/default/dc/DC1/svc/Web" matches "/ns/default/dc/dc1/svc/web").
    // A trust-domain check, where wanted, is an explicit inTrustDomain() — the root's
    // name constraint is DNS-typed and does not bind URIs (§4.2).
    bool sameIdentityIgnoringTrustDomain(const SpiffeId& other) const;

    // Case-insensitive comparison of the host with `trustDomain`.
    bool inTrustDomain(std::string_view trustDomain) const;

    friend bool operator==(const SpiffeId&, const SpiffeId&) = default;
};

}  // namespace meshx::agent
