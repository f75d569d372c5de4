#include "record_cost.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <chrono>
#include <cstring>

namespace bench {

namespace {

SSL_CTX* context(bool server, const std::string& dir, const char* svc) {
    SSL_CTX* ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
    SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
    SSL_CTX_set_ciphersuites(ctx, "TLS_AES_128_GCM_SHA256");
    SSL_CTX_set_read_ahead(ctx, 1);
    const std::string base = dir + "/" + svc;
    if (SSL_CTX_use_certificate_file(ctx, (base + ".pem").c_str(), SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, (base + ".key").c_str(), SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_load_verify_locations(ctx, (dir + "/ca.pem").c_str(), nullptr) != 1) {
        SSL_CTX_free(ctx);
        return nullptr;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
    return ctx;
}

// Moves whatever `from` wrote to its network BIO into `to`'s network BIO.
void carry(BIO* fromNet, BIO* toNet) {
    char buf[16 * 1024 + 512];
    for (int n; (n = BIO_read(fromNet, buf, sizeof buf)) > 0;) {
        BIO_write(toNet, buf, n);
    }
}

}  // namespace

double tlsRecordMicrosPerCall(const std::string& dir, int calls) {
    SSL_CTX* cctx = context(false, dir, "web");
    SSL_CTX* sctx = context(true, dir, "db");
    double result = -1;
    if (cctx != nullptr && sctx != nullptr) {
        SSL* c = SSL_new(cctx);
        SSL* s = SSL_new(sctx);
        // Each side: the SSL's BIO paired with a "network" BIO the test carries bytes through.
        BIO *cInner, *cNet, *sInner, *sNet;
        BIO_new_bio_pair(&cInner, 0, &cNet, 0);
        BIO_new_bio_pair(&sInner, 0, &sNet, 0);
        SSL_set_bio(c, cInner, cInner);
        SSL_set_bio(s, sInner, sInner);
        SSL_set_connect_state(c);
        SSL_set_accept_state(s);
        bool done = false;
        for (int i = 0; i < 20 && !done; ++i) {
            const int rc = SSL_do_handshake(c);
            carry(cNet, sNet);
            const int rs = SSL_do_handshake(s);
            carry(sNet, cNet);
            done = rc == 1 && rs == 1;
        }
        char msg[64], back[64];
        std::memset(msg, 'p', sizeof msg);
        auto oneCall = [&] {
            SSL_write(c, msg, sizeof msg);  // relay 1 encrypts the request
            carry(cNet, sNet);
            SSL_read(s, back, sizeof back);   // relay 2 decrypts it
            SSL_write(s, back, sizeof back);  // relay 2 encrypts the reply
            carry(sNet, cNet);
            return SSL_read(c, back, sizeof back) == sizeof back;  // relay 1 decrypts it
        };
        if (done && oneCall()) {
            for (int i = 0; i < 1000; ++i) {
                oneCall();
            }
            const auto t0 = std::chrono::steady_clock::now();
            for (int i = 0; i < calls; ++i) {
                oneCall();
            }
            const auto t1 = std::chrono::steady_clock::now();
            result = std::chrono::duration<double, std::micro>(t1 - t0).count() / calls;
        }
        SSL_free(c);
        SSL_free(s);
        BIO_free(cNet);
        BIO_free(sNet);
    }
    ERR_clear_error();
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    return result;
}

}  // namespace bench
