#include "proxy/tls_context.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <vector>

#include "proxy/openssl_util.h"

namespace meshx::proxy {

namespace {

struct BioFree {
    void operator()(BIO* b) const { BIO_free(b); }
};
struct StoreFree {
    void operator()(X509_STORE* s) const { X509_STORE_free(s); }
};
struct KeyFree {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct StoreCtxFree {
    void operator()(X509_STORE_CTX* c) const { X509_STORE_CTX_free(c); }
};
struct StackFree {
    void operator()(STACK_OF(X509) * s) const { sk_X509_free(s); }
};

Error invalid(std::string what) {
    return makeError(Code::InvalidArgument, std::move(what));
}

std::vector<ossl::X509Ptr> readCerts(const std::string& pem) {
    std::vector<ossl::X509Ptr> out;
    std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    while (X509* x = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
        out.emplace_back(x);
    }
    ERR_clear_error();  // the loop ends on a "no start line" error
    return out;
}

// TLS 1.2 suites as Consul's proxy offers them: ECDHE with AES-GCM or ChaCha20. TLS 1.3 in Go's
// order on AES-NI machines, AES-128-GCM first (OpenSSL would start with AES-256-GCM, which
// costs about a quarter more per byte for no practical gain here).
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

constexpr const char* kTls13Suites =
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";

Result<SSL_CTX*> makeContext(bool server, X509_STORE* store,
                             const std::vector<ossl::X509Ptr>& chain, EVP_PKEY* key) {
    SSL_CTX* ctx = SSL_CTX_new(TLS_method());
    if (ctx == nullptr) {
        return invalid(ossl::drainErrors("SSL_CTX_new failed"));
    }
    auto fail = [ctx](const char* what) {
        SSL_CTX_free(ctx);
        return invalid(std::string(what) + ": " + ossl::drainErrors("unknown error"));
    };
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    if (SSL_CTX_set_cipher_list(ctx, kTls12Ciphers) != 1 ||
        SSL_CTX_set_ciphersuites(ctx, kTls13Suites) != 1) {
        return fail("no usable cipher");
    }
    // Partial writes and moving buffers let BytePump keep unsent bytes in its own pooled block.
    // IGNORE_UNEXPECTED_EOF: a bare TCP FIN is an end of stream (Go's TLS treats it the same).
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_IGNORE_UNEXPECTED_EOF |
                                 SSL_OP_NO_COMPRESSION | SSL_OP_NO_TICKET);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    // Read ahead: one recv() fetches several records instead of a header and a body per record.
    SSL_CTX_set_read_ahead(ctx, 1);
    SSL_CTX_set_default_read_buffer_len(ctx, 64 * 1024 + 1024);
    if (server) {
        SSL_CTX_set_num_tickets(ctx, 0);
    }

    if (SSL_CTX_use_certificate(ctx, chain.front().get()) != 1) {
        return fail("cannot use the leaf certificate");
    }
    for (size_t i = 1; i < chain.size(); ++i) {
        if (SSL_CTX_add1_chain_cert(ctx, chain[i].get()) != 1) {
            return fail("cannot use an intermediate certificate");
        }
    }
    if (SSL_CTX_use_PrivateKey(ctx, key) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
        return fail("private key does not match the leaf certificate");
    }

    X509_STORE_up_ref(store);
    SSL_CTX_set_cert_store(ctx, store);
    SSL_CTX_set_verify(
        ctx, server ? SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT : SSL_VERIFY_PEER, nullptr);
    SSL_CTX_set_purpose(ctx, server ? X509_PURPOSE_SSL_CLIENT : X509_PURPOSE_SSL_SERVER);
    return ctx;
}

}  // namespace

TlsContext::~TlsContext() {
    SSL_CTX_free(server_);
    SSL_CTX_free(client_);
}

Result<std::shared_ptr<const TlsContext>> TlsContext::create(const TlsMaterial& material) {
    auto chain = readCerts(material.certChainPem);
    if (chain.empty()) {
        return invalid("no certificate in leaf PEM");
    }
    auto roots = readCerts(material.rootsPem);
    if (roots.empty()) {
        return invalid("no certificate in roots PEM");
    }
    std::unique_ptr<BIO, BioFree> keyBio(BIO_new_mem_buf(
        material.privateKeyPem.data(), static_cast<int>(material.privateKeyPem.size())));
    std::unique_ptr<EVP_PKEY, KeyFree> key(
        PEM_read_bio_PrivateKey(keyBio.get(), nullptr, nullptr, nullptr));
    if (!key) {
        return invalid(ossl::drainErrors("no private key in key PEM"));
    }

    std::unique_ptr<X509_STORE, StoreFree> store(X509_STORE_new());
    for (auto& root : roots) {
        X509_STORE_add_cert(store.get(), root.get());
    }

    // The readiness check: our own leaf must chain to the roots we will hand to peers.
    std::unique_ptr<X509_STORE_CTX, StoreCtxFree> vctx(X509_STORE_CTX_new());
    std::unique_ptr<STACK_OF(X509), StackFree> untrusted(sk_X509_new_null());
    for (size_t i = 1; i < chain.size(); ++i) {
        sk_X509_push(untrusted.get(), chain[i].get());
    }
    X509_STORE_CTX_init(vctx.get(), store.get(), chain.front().get(), untrusted.get());
    if (X509_verify_cert(vctx.get()) != 1) {
        return invalid(std::string("leaf does not verify against the roots: ") +
                       X509_verify_cert_error_string(X509_STORE_CTX_get_error(vctx.get())));
    }

    auto uri = ossl::firstUriSan(chain.front().get());
    auto identity = ServiceIdentity::parse(uri);
    if (!identity) {
        return invalid("leaf certificate has no service identity URI (got '" + uri + "')");
    }

    std::shared_ptr<TlsContext> ctx(new TlsContext());
    ctx->identity_ = *identity;
    ctx->trustDomain_ = material.trustDomain;
    auto server = makeContext(true, store.get(), chain, key.get());
    if (!server) {
        return server.error();
    }
    ctx->server_ = *server;
    auto client = makeContext(false, store.get(), chain, key.get());
    if (!client) {
        return client.error();
    }
    ctx->client_ = *client;
    return std::shared_ptr<const TlsContext>(std::move(ctx));
}

}  // namespace meshx::proxy
