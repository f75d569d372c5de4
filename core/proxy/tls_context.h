#pragma once

#include <memory>
#include <string>

#include "common/result.h"
#include "proxy/service_identity.h"

struct ssl_ctx_st;

namespace meshx::proxy {

// What the agent hands out: our leaf (with any intermediates after it), its key, the CA roots.
struct TlsMaterial {
    std::string certChainPem;   // leaf first, then intermediates (CertPEM of the leaf endpoint)
    std::string privateKeyPem;  // PrivateKeyPEM
    std::string rootsPem;       // every RootCert (and IntermediateCerts) concatenated
    std::string trustDomain;    // TrustDomain of the roots; empty = inbound domain not checked
};

// An immutable pair of OpenSSL contexts (server side for the public listener, client side for
// upstream dials) built from one TlsMaterial.
//
// Rotation builds a new TlsContext and swaps the shared pointer: connections keep the context
// they started with (each SSL holds a reference), new connections take the current one. Nothing
// here is mutated after create(), so any thread may read it.
class TlsContext {
  public:
    // Any thread. Checks what Consul's proxy checks before it calls itself ready: the key matches
    // the leaf, and the leaf verifies against the roots. Errors: InvalidArgument with the reason
    // (`no certificate in leaf PEM`, `leaf does not verify against the roots: ...`).
    static Result<std::shared_ptr<const TlsContext>> create(const TlsMaterial& material);

    ~TlsContext();
    TlsContext(const TlsContext&) = delete;
    TlsContext& operator=(const TlsContext&) = delete;

    // TLS >= 1.2, client certificate required and verified against the roots for the purpose
    // "TLS client" (extended key usage clientAuth), no session resumption (every connection is
    // verified afresh, so a rotated root takes effect at once), no renegotiation.
    ssl_ctx_st* serverContext() const { return server_; }
    // Same trust store, server chain verified for the purpose "TLS server"; no host name check
    // (Consul checks the SPIFFE URI instead).
    ssl_ctx_st* clientContext() const { return client_; }

    // Our identity, from the leaf's first URI SAN.
    const ServiceIdentity& identity() const { return identity_; }
    const std::string& trustDomain() const { return trustDomain_; }

  private:
    TlsContext() = default;

    ssl_ctx_st* server_ = nullptr;
    ssl_ctx_st* client_ = nullptr;
    ServiceIdentity identity_;
    std::string trustDomain_;
};

}  // namespace meshx::proxy
