#include "test_certificates.h"

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <stdexcept>

namespace meshx::proxy::testing {

namespace {

std::atomic<long> serialCounter{1000};

EVP_PKEY* newKey() {
    return EVP_EC_gen("P-256");
}

std::string toPem(X509* cert) {
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(bio, cert);
    char* data = nullptr;
    long len = BIO_get_mem_data(bio, &data);
    std::string out(data, static_cast<size_t>(len));
    BIO_free(bio);
    return out;
}

std::string keyPem(EVP_PKEY* key) {
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
    char* data = nullptr;
    long len = BIO_get_mem_data(bio, &data);
    std::string out(data, static_cast<size_t>(len));
    BIO_free(bio);
    return out;
}

void addExt(X509* cert, X509* issuer, int nid, const std::string& value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    if (ext == nullptr) {
        throw std::runtime_error("bad extension " + value);
    }
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
}

X509* newCert(EVP_PKEY* key, const std::string& cn, long notBeforeSecs, long validSecs) {
    X509* cert = X509_new();
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), serialCounter++);
    X509_gmtime_adj(X509_getm_notBefore(cert), notBeforeSecs);
    X509_gmtime_adj(X509_getm_notAfter(cert), validSecs);
    X509_set_pubkey(cert, key);
    X509_NAME* name = X509_get_subject_name(cert);
    if (!cn.empty()) {
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
    }
    return cert;
}

}  // namespace

struct TestCa::Impl {
    EVP_PKEY* key = nullptr;
    X509* cert = nullptr;
    ~Impl() {
        X509_free(cert);
        EVP_PKEY_free(key);
    }
};

TestCa::TestCa(std::string trustDomain)
    : impl_(std::make_unique<Impl>()), trustDomain_(std::move(trustDomain)) {
    impl_->key = newKey();
    X509* cert = newCert(impl_->key, "Consul CA " + std::to_string(serialCounter.load()), -60,
                         3600L * 24 * 365);
    X509_set_issuer_name(cert, X509_get_subject_name(cert));
    addExt(cert, cert, NID_basic_constraints, "critical,CA:TRUE");
    addExt(cert, cert, NID_key_usage, "critical,digitalSignature,keyCertSign,cRLSign");
    addExt(cert, cert, NID_subject_key_identifier, "hash");
    addExt(cert, cert, NID_subject_alt_name, "URI:spiffe://" + trustDomain_);
    addExt(cert, cert, NID_name_constraints, "critical,permitted;DNS:" + trustDomain_);
    X509_sign(cert, impl_->key, EVP_sha256());
    impl_->cert = cert;
    rootPem_ = toPem(cert);
}

TestCa::~TestCa() = default;

TestCa::Leaf TestCa::issue(const std::string& uri, int usage, long validSeconds) const {
    EVP_PKEY* key = newKey();
    long notBefore = validSeconds < 0 ? validSeconds - 3600 : -60;
    X509* cert = newCert(key, "", notBefore, validSeconds);
    X509_set_issuer_name(cert, X509_get_subject_name(impl_->cert));
    addExt(cert, impl_->cert, NID_basic_constraints, "critical,CA:FALSE");
    addExt(cert, impl_->cert, NID_key_usage,
           "critical,digitalSignature,keyEncipherment,dataEncipherment,keyAgreement");
    std::string eku;
    if (usage & ClientAuth) {
        eku = "clientAuth";
    }
    if (usage & ServerAuth) {
        eku += eku.empty() ? "serverAuth" : ",serverAuth";
    }
    addExt(cert, impl_->cert, NID_ext_key_usage, eku);
    addExt(cert, impl_->cert, NID_authority_key_identifier, "keyid:always");
    addExt(cert, impl_->cert, NID_subject_alt_name, "URI:" + uri);
    X509_sign(cert, impl_->key, EVP_sha256());
    Leaf leaf{toPem(cert), keyPem(key)};
    X509_free(cert);
    EVP_PKEY_free(key);
    return leaf;
}

TestCa::Leaf TestCa::issueService(const std::string& service, int usage) const {
    return issue(serviceUri(service), usage);
}

TlsMaterial TestCa::material(const std::string& service, const std::string& extraRootsPem) const {
    Leaf leaf = issueService(service);
    return TlsMaterial{leaf.certPem, leaf.keyPem, rootPem_ + extraRootsPem, trustDomain_};
}

std::shared_ptr<const TlsContext> TestCa::context(const std::string& service) const {
    auto ctx = TlsContext::create(material(service));
    if (!ctx) {
        throw std::runtime_error(ctx.error().message);
    }
    return *ctx;
}

}  // namespace meshx::proxy::testing
