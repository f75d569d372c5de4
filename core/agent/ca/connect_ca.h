#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "agent/ca/spiffe_id.h"
#include "common/result.h"

namespace meshx::agent {

// One CA root as GET /v1/agent/connect/ca/roots lists it (consul-api-subset.md §4.2).
struct ConnectCaRoot {
    std::string id;  // colon lowercase hex SHA-1 of the DER (also ActiveRootID)
    std::string name = "Consul CA Primary Cert";
    std::uint64_t serialNumber = 0;
    std::string signingKeyId;         // colon hex of the SubjectKeyIdentifier
    std::string trustDomain;          // "<cluster-uuid>.consul"
    std::string externalTrustDomain;  // the cluster UUID
    std::chrono::system_clock::time_point notBefore;
    std::chrono::system_clock::time_point notAfter;
    std::string rootCertPem;  // "-----BEGIN CERTIFICATE-----\n...", '\n' line ends
    std::string privateKeyType = "ec";
    int privateKeyBits = 256;
    bool active = false;

    std::string notBeforeText() const;  // RFC 3339, "2018-05-21T16:33:28Z"
    std::string notAfterText() const;
};

// One issued leaf as GET /v1/agent/connect/ca/leaf/:service returns it (§4.3).
struct ConnectCaLeaf {
    std::string serialNumber;  // colon hex of the serial bytes, "08"
    std::uint64_t serial = 0;
    std::string certPem;
    std::string privateKeyPem;  // SEC1 "-----BEGIN EC PRIVATE KEY-----"
    std::string service;
    std::string serviceUri;  // the one URI SAN
    std::chrono::system_clock::time_point validAfter;
    std::chrono::system_clock::time_point validBefore;
    std::string rootId;  // the root that signed it; re-issue once it is no longer active

    std::string validAfterText() const;  // RFC 3339
    std::string validBeforeText() const;

    // When to fetch a replacement: validAfter + (60 % + 30 % × `uniform`) of the lifetime, as
    // Consul's leaf cache spreads renewals. `uniform` in [0, 1]; once past the result, renew
    // at once.
    std::chrono::system_clock::time_point renewAt(double uniform) const;
    // The same with a random draw (thread-local generator). Any thread.
    std::chrono::system_clock::time_point renewAt() const;
};

// The built-in Connect CA of the dev agent (Consul's "consul" provider, in process).
//
// Root: EC P-256, self-signed ECDSA-SHA256, CN "Consul CA <serial>", CA:TRUE (critical), key
// usage digitalSignature/keyCertSign/cRLSign (critical), URI SAN spiffe://<trust-domain>,
// critical name constraint permitting DNS <trust-domain>, SubjectKeyIdentifier (SHA-256 of the
// public key, as Consul's connect.KeyId), valid from 1 minute ago for 10 years.
// Leaf: EC P-256, exactly one URI SAN (the service SPIFFE ID), CN = service name, key usage
// digitalSignature/keyEncipherment/dataEncipherment/keyAgreement (critical), EKU serverAuth +
// clientAuth, CA:FALSE (critical), AKI = root SKI, valid from 1 minute ago for the TTL (never
// past the root's NotAfter), serial from a CA-wide counter.
//
// Thread safety: every method may be called from any thread (the agent's thread, its
// request handlers); an internal mutex serialises signing, rotation and the serial counter.
// Key generation for leaves runs outside the lock.
class ConnectCa {
  public:
    static constexpr std::chrono::hours kRootLifetime{87600};  // 10 years
    static constexpr std::chrono::hours kDefaultLeafTtl{72};

    // A new CA for cluster `clusterId` (a UUID, lowercased; the trust domain is
    // "<clusterId>.consul") in `datacenter`. Errors: InvalidArgument for a bad UUID or
    // datacenter, Internal when OpenSSL fails.
    static Result<ConnectCa> create(std::string_view clusterId, std::string_view datacenter);

    // A random version-4 UUID for create(), as Consul makes the cluster ID.
    static std::string newClusterId();

    ConnectCa(ConnectCa&&) noexcept;
    ConnectCa& operator=(ConnectCa&&) noexcept;
    ~ConnectCa();

    const std::string& clusterId() const;
    const std::string& trustDomain() const;
    const std::string& datacenter() const;

    // The active root (a snapshot: rotate() may replace it right after).
    ConnectCaRoot activeRoot() const;
    // Shortcuts into activeRoot().
    std::string rootPem() const;
    std::string rootId() const;
    std::string signingKeyId() const;
    std::uint64_t rootSerialNumber() const;

    // Every root to trust: the active one first, then earlier ones (Active false) that are still
    // valid, so leaves signed before a rotation keep verifying until they are re-issued.
    std::vector<ConnectCaRoot> roots() const;

    // Replaces the active root with a new key and certificate (rotation tests, §4.3: a rotation
    // forces re-issue). Returns the new root.
    Result<ConnectCaRoot> rotate();

    // Signs a new leaf for `service` in `datacenter` with the active root. `ttl` must be positive
    // and at most one year. Errors: InvalidArgument (empty or '/'-containing names, bad TTL),
    // Internal (OpenSSL).
    Result<ConnectCaLeaf> issueLeaf(std::string_view service, std::string_view datacenter,
                                    std::chrono::seconds ttl = kDefaultLeafTtl);

    // Signs a leaf for any service identity, also one outside this CA's trust domain (the
    // agent never asks for that; tests use it to show the DNS-typed name constraint does not
    // bind URIs, §4.2).
    Result<ConnectCaLeaf> issueLeaf(const SpiffeId& identity,
                                    std::chrono::seconds ttl = kDefaultLeafTtl);

  private:
    struct Impl;
    explicit ConnectCa(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace meshx::agent
