#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace meshx::proxy {

// A Connect service identity: the SPIFFE URI in a leaf certificate's first URI SAN,
//
//   spiffe://<trust domain>[/ap/<partition>]/ns/<namespace>/dc/<datacenter>/svc/<service>
//
// The partition segment only appears for a non-default admin partition (Enterprise).
struct ServiceIdentity {
    std::string trustDomain;
    std::string partition;  // empty = default
    std::string ns = "default";
    std::string datacenter;
    std::string service;

    // Any thread. Errors (ParseError) use Consul's words: `ClientCertURI not a valid Connect
    // identifier` (not spiffe://, no host) and `... not a valid Service identifier` (an agent or
    // other non-service path).
    static Result<ServiceIdentity> parse(std::string_view uri);

    // The URI form above.
    std::string uri() const;

    // What Consul compares when dialling an upstream: the whole URI with the trust domain ignored
    // (x509 name constraints bind it, not this check), case-insensitively.
    bool matchesIgnoringTrustDomain(const ServiceIdentity& other) const;

    // Trust domains compare case-insensitively (DNS names).
    bool inTrustDomain(std::string_view domain) const;
};

}  // namespace meshx::proxy
