#pragma once

// Test-only certificate authority: EC P-256 roots and leaves shaped like Consul's built-in CA
// (URI SAN, key usages, clientAuth+serverAuth), made in memory with OpenSSL so every test gets
// fresh keys without spawning the openssl CLI.

#include <memory>
#include <string>

#include "proxy/tls_context.h"

namespace meshx::proxy::testing {

class TestCa {
  public:
    // A root with CN `Consul CA <n>`, URI SAN `spiffe://<trustDomain>` and the DNS name constraint
    // Consul puts on its roots.
    explicit TestCa(std::string trustDomain);
    ~TestCa();
    TestCa(const TestCa&) = delete;
    TestCa& operator=(const TestCa&) = delete;

    struct Leaf {
        std::string certPem;
        std::string keyPem;
    };
    enum Usage : int { ClientAuth = 1, ServerAuth = 2, Both = 3 };

    // A leaf for `uri` (e.g. spiffe://<td>/ns/default/dc/dc1/svc/web). `validSeconds` < 0 makes
    // it already expired.
    Leaf issue(const std::string& uri, int usage = Both, long validSeconds = 3600) const;
    // A leaf for service `service` in this CA's trust domain, dc1.
    Leaf issueService(const std::string& service, int usage = Both) const;

    const std::string& rootPem() const { return rootPem_; }
    const std::string& trustDomain() const { return trustDomain_; }
    std::string serviceUri(const std::string& service) const {
        return "spiffe://" + trustDomain_ + "/ns/default/dc/dc1/svc/" + service;
    }

    // Material for a proxy of `service` trusting this CA's root (plus `extraRootsPem`).
    TlsMaterial material(const std::string& service, const std::string& extraRootsPem = {}) const;
    std::shared_ptr<const TlsContext> context(const std::string& service) const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    std::string trustDomain_;
    std::string rootPem_;
};

}  // namespace meshx::proxy::testing
