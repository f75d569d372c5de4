#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace meshx::consul {

// Typed views of the Connect endpoints (reference §4).

struct CaRoot {
    std::string id;  // colon hex SHA-1 of the root DER
    std::string name;
    uint64_t serialNumber = 0;
    std::string signingKeyId;
    std::string notBefore;
    std::string notAfter;
    std::string rootCertPem;
    std::vector<std::string> intermediateCertsPem;
    bool active = false;
    std::string privateKeyType;
    int privateKeyBits = 0;
    uint64_t createIndex = 0;
    uint64_t modifyIndex = 0;
};

struct CaRoots {
    std::string activeRootId;
    std::string trustDomain;
    std::vector<CaRoot> roots;

    // The root whose ID is activeRootId (or flagged Active); null when there is none.
    const CaRoot* active() const;
};

// The leaf certificate of a service. `privateKeyPem` is a secret: never log it.
struct LeafCert {
    std::string serialNumber;  // colon hex
    std::string certPem;       // leaf, then intermediates
    std::string privateKeyPem;
    std::string service;
    std::string serviceUri;  // spiffe://<trust-domain>/ns/default/dc/<dc>/svc/<name>
    std::string validAfter;
    std::string validBefore;
    uint64_t createIndex = 0;
    uint64_t modifyIndex = 0;
};

struct AuthorizeResult {
    bool authorized = false;
    std::string reason;  // informational only
};

struct Intention {
    std::string id;  // legacy intentions only
    std::string description;
    std::string sourceNs;
    std::string sourceName;
    std::string destinationNs;
    std::string destinationName;
    std::string sourceType;
    std::string action;                                    // allow / deny; empty when L7
    nlohmann::json permissions = nlohmann::json::array();  // L7 rules
    int precedence = 0;
    std::map<std::string, std::string> meta;
    uint64_t createIndex = 0;
    uint64_t modifyIndex = 0;
    nlohmann::json raw;
};

}  // namespace meshx::consul
