#pragma once

// RAII owners for the OpenSSL objects the CA uses, plus the few conversions every user needs.
// Internal to meshx_agent_ca and its tests (they link OpenSSL::Crypto themselves).

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace meshx::agent::ossl {

template <typename T, void (*Free)(T*)>
struct Deleter {
    void operator()(T* p) const { Free(p); }
};

using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using X509NamePtr = std::unique_ptr<X509_NAME, Deleter<X509_NAME, X509_NAME_free>>;
using X509ExtPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION, X509_EXTENSION_free>>;
using X509StorePtr = std::unique_ptr<X509_STORE, Deleter<X509_STORE, X509_STORE_free>>;
using X509StoreCtxPtr =
    std::unique_ptr<X509_STORE_CTX, Deleter<X509_STORE_CTX, X509_STORE_CTX_free>>;
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, Deleter<GENERAL_NAMES, GENERAL_NAMES_free>>;
using GeneralNamePtr = std::unique_ptr<GENERAL_NAME, Deleter<GENERAL_NAME, GENERAL_NAME_free>>;
using OctetStringPtr =
    std::unique_ptr<ASN1_OCTET_STRING, Deleter<ASN1_OCTET_STRING, ASN1_OCTET_STRING_free>>;
using AuthorityKeyIdPtr =
    std::unique_ptr<AUTHORITY_KEYID, Deleter<AUTHORITY_KEYID, AUTHORITY_KEYID_free>>;
using BasicConstraintsPtr =
    std::unique_ptr<BASIC_CONSTRAINTS, Deleter<BASIC_CONSTRAINTS, BASIC_CONSTRAINTS_free>>;

struct BioDeleter {
    void operator()(BIO* b) const { BIO_free_all(b); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;

// The OpenSSL error queue as one line (drained), prefixed with what failed:
// "EC key generation failed: error:...". Never includes key material.
Error lastError(std::string_view what);

// Fresh EC P-256 key pair.
Result<PkeyPtr> generateP256Key();

// PEM / DER conversions.
Result<std::string> certificatePem(X509* cert);
Result<std::vector<std::uint8_t>> certificateDer(X509* cert);
Result<X509Ptr> parseCertificatePem(std::string_view pem);
// SEC1 "-----BEGIN EC PRIVATE KEY-----" (what Consul returns for EC leaves).
Result<std::string> ecPrivateKeyPem(EVP_PKEY* key);

// SHA-1 / SHA-256 of bytes.
std::vector<std::uint8_t> sha1(const std::vector<std::uint8_t>& data);
std::vector<std::uint8_t> sha256(const std::vector<std::uint8_t>& data);

// Consul's key ID (connect.KeyId): SHA-256 of the DER SubjectPublicKeyInfo.
Result<std::vector<std::uint8_t>> consulKeyId(EVP_PKEY* key);

// The URI entries of a certificate's subjectAltName, in order.
std::vector<std::string> uriSans(X509* cert);

}  // namespace meshx::agent::ossl
