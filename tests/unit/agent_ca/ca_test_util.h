#pragma once

// OpenSSL helpers shared by the CA tests: parse PEM, inspect extensions, verify chains.

#include <openssl/pem.h>
#include <openssl/x509_vfy.h>

#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "agent/ca/cert_text.h"
#include "agent/ca/openssl_handles.h"

namespace ca_test {

using meshx::agent::ossl::X509Ptr;

inline X509Ptr parse(const std::string& pem) {
    auto cert = meshx::agent::ossl::parseCertificatePem(pem);
    return cert.ok() ? std::move(*cert) : X509Ptr();
}

// X509_verify_cert of `leaf` against `roots` as the only trust anchors. `purpose` e.g.
// X509_PURPOSE_SSL_CLIENT (0: none); `at` pins the verification time. Returns the
// X509_V_* result (X509_V_OK on success).
inline int verify(X509* leaf, const std::vector<X509*>& roots, int purpose = 0,
                  std::optional<std::time_t> at = std::nullopt) {
    meshx::agent::ossl::X509StorePtr store(X509_STORE_new());
    for (X509* root : roots) {
        X509_STORE_add_cert(store.get(), root);
    }
    meshx::agent::ossl::X509StoreCtxPtr ctx(X509_STORE_CTX_new());
    if (!store || !ctx || X509_STORE_CTX_init(ctx.get(), store.get(), leaf, nullptr) != 1) {
        return -1;
    }
    if (purpose != 0) {
        X509_STORE_CTX_set_purpose(ctx.get(), purpose);
    }
    if (at) {
        X509_STORE_CTX_set_time(ctx.get(), 0, *at);
    }
    if (X509_verify_cert(ctx.get()) == 1) {
        return X509_V_OK;
    }
    return X509_STORE_CTX_get_error(ctx.get());
}

inline bool extensionCritical(X509* cert, int nid) {
    const int index = X509_get_ext_by_NID(cert, nid, -1);
    return index >= 0 && X509_EXTENSION_get_critical(X509_get_ext(cert, index)) == 1;
}

inline bool hasExtension(X509* cert, int nid) {
    return X509_get_ext_by_NID(cert, nid, -1) >= 0;
}

inline std::string commonName(X509* cert) {
    char buf[256] = {};
    X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, buf, sizeof buf);
    return buf;
}

inline std::string bytesHex(const ASN1_OCTET_STRING* s) {
    const auto* data = ASN1_STRING_get0_data(s);
    return meshx::agent::colonHex(
        std::span<const std::uint8_t>(data, static_cast<std::size_t>(ASN1_STRING_length(s))));
}

inline std::time_t asTimeT(const ASN1_TIME* t) {
    std::tm tm{};
    ASN1_TIME_to_tm(t, &tm);
    return timegm(&tm);
}

}  // namespace ca_test
