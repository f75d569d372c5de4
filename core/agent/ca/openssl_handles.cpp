#include "agent/ca/openssl_handles.h"

#include <openssl/encoder.h>
#include <openssl/err.h>
#include <openssl/pem.h>

namespace meshx::agent::ossl {

Error lastError(std::string_view what) {
    std::string message(what);
    bool first = true;
    while (const unsigned long code = ERR_get_error()) {
        char buf[256];
        ERR_error_string_n(code, buf, sizeof buf);
        message += first ? ": " : "; ";
        message += buf;
        first = false;
    }
    return makeError(Code::Internal, std::move(message));
}

Result<PkeyPtr> generateP256Key() {
    PkeyPtr key(EVP_EC_gen("P-256"));
    if (!key) {
        return lastError("EC P-256 key generation failed");
    }
    return key;
}

namespace {
Result<std::string> bioText(BIO* bio) {
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio, &data);
    if (len <= 0 || data == nullptr) {
        return lastError("reading a memory BIO failed");
    }
    return std::string(data, static_cast<std::size_t>(len));
}
}  // namespace

Result<std::string> certificatePem(X509* cert) {
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) {
        return lastError("PEM encoding of a certificate failed");
    }
    return bioText(bio.get());
}

Result<std::vector<std::uint8_t>> certificateDer(X509* cert) {
    const int len = i2d_X509(cert, nullptr);
    if (len <= 0) {
        return lastError("DER encoding of a certificate failed");
    }
    std::vector<std::uint8_t> der(static_cast<std::size_t>(len));
    unsigned char* out = der.data();
    if (i2d_X509(cert, &out) != len) {
        return lastError("DER encoding of a certificate failed");
    }
    return der;
}

Result<X509Ptr> parseCertificatePem(std::string_view pem) {
    BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    if (!bio) {
        return lastError("BIO allocation failed");
    }
    X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!cert) {
        return lastError("not a PEM certificate");
    }
    return cert;
}

Result<std::string> ecPrivateKeyPem(EVP_PKEY* key) {
    // "type-specific" is SEC1 for EC keys; PEM_write_bio_PrivateKey would write PKCS#8.
    std::unique_ptr<OSSL_ENCODER_CTX, Deleter<OSSL_ENCODER_CTX, OSSL_ENCODER_CTX_free>> ctx(
        OSSL_ENCODER_CTX_new_for_pkey(key, EVP_PKEY_KEYPAIR, "PEM", "type-specific", nullptr));
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!ctx || OSSL_ENCODER_CTX_get_num_encoders(ctx.get()) == 0 || !bio ||
        OSSL_ENCODER_to_bio(ctx.get(), bio.get()) != 1) {
        return lastError("SEC1 encoding of the EC key failed");
    }
    return bioText(bio.get());
}

namespace {
std::vector<std::uint8_t> digest(const EVP_MD* md, const std::vector<std::uint8_t>& data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_Digest(data.data(), data.size(), out, &len, md, nullptr) != 1) {
        return {};
    }
    return std::vector<std::uint8_t>(out, out + len);
}
}  // namespace

std::vector<std::uint8_t> sha1(const std::vector<std::uint8_t>& data) {
    return digest(EVP_sha1(), data);
}

std::vector<std::uint8_t> sha256(const std::vector<std::uint8_t>& data) {
    return digest(EVP_sha256(), data);
}

Result<std::vector<std::uint8_t>> consulKeyId(EVP_PKEY* key) {
    const int len = i2d_PUBKEY(key, nullptr);
    if (len <= 0) {
        return lastError("DER encoding of a public key failed");
    }
    std::vector<std::uint8_t> der(static_cast<std::size_t>(len));
    unsigned char* out = der.data();
    if (i2d_PUBKEY(key, &out) != len) {
        return lastError("DER encoding of a public key failed");
    }
    return sha256(der);
}

std::vector<std::string> uriSans(X509* cert) {
    std::vector<std::string> uris;
    GeneralNamesPtr names(static_cast<GENERAL_NAMES*>(
        X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
    if (!names) {
        return uris;
    }
    for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
        const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
        if (name->type == GEN_URI) {
            const ASN1_IA5STRING* uri = name->d.uniformResourceIdentifier;
            uris.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(uri)),
                              static_cast<std::size_t>(ASN1_STRING_length(uri)));
        }
    }
    return uris;
}

}  // namespace meshx::agent::ossl
