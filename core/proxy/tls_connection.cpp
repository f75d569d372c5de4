#include "proxy/tls_connection.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <vector>

#include "proxy/openssl_util.h"
#include "proxy/ring_socket.h"
#include "proxy/socket_bio.h"
#include "proxy/uring_loop.h"

namespace meshx::proxy {

namespace {

// The most plaintext one TLS record carries (OpenSSL's default max_send_fragment).
constexpr size_t kRecordPlaintext = 16384;
// Records gathered into one send(): four full ones, what BytePump relays per read.
constexpr size_t kGatherBytes = 64 * 1024;

// Where the verify callback finds its TlsConnection.
int connectionIndex() {
    static int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    return index;
}

}  // namespace

TlsConnection::TlsConnection(std::shared_ptr<const TlsContext> context, Role role, Socket socket)
    : context_(std::move(context)), socket_(std::move(socket)) {
    ssl_ = SSL_new(role == Role::Server ? context_->serverContext() : context_->clientContext());
    BIO* bio = SocketBio::create(socket_.fd());
    SSL_set_bio(ssl_, bio, bio);  // the SSL owns the BIO (one reference for both directions)
    if (role == Role::Server) {
        SSL_set_accept_state(ssl_);
    } else {
        SSL_set_connect_state(ssl_);
    }
}

void TlsConnection::expectPeer(const ServiceIdentity& want) {
    expected_ = want;
    SSL_set_ex_data(ssl_, connectionIndex(), this);
    SSL_set_verify(ssl_, SSL_VERIFY_PEER, &TlsConnection::verifyCallback);
}

int TlsConnection::verifyCallback(int preverifyOk, X509_STORE_CTX* store) {
    if (preverifyOk != 1 || X509_STORE_CTX_get_error_depth(store) != 0) {
        return preverifyOk;
    }
    auto* ssl =
        static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
    auto* self = static_cast<TlsConnection*>(SSL_get_ex_data(ssl, connectionIndex()));
    std::string uri = ossl::firstUriSan(X509_STORE_CTX_get_current_cert(store));
    auto got = ServiceIdentity::parse(uri);
    if (got && got->matchesIgnoringTrustDomain(self->expected_)) {
        return 1;
    }
    // Consul prints the peer's URI with the expected host, as that is what it compared.
    std::string shown = uri;
    if (got) {
        got->trustDomain = self->expected_.trustDomain;
        shown = got->uri();
    }
    self->identityError_ =
        "peer certificate mismatch got " + shown + ", want " + self->expected_.uri();
    X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION);
    return 0;
}

TlsConnection::~TlsConnection() {
    SSL_free(ssl_);
    if (ring_ != nullptr) {
        ring_->release(socket_.release());  // closed once its operations completed
    }
}

void TlsConnection::attachRing(UringLoop& ring, IoHandler* handler) {
    ring_ = ring.adopt(socket_.fd(), handler);
    SocketBio::attachRing(SSL_get_rbio(ssl_), ring_);
}

IoResult TlsConnection::handshake() {
    ERR_clear_error();
    int ret = SSL_do_handshake(ssl_);
    if (ret == 1) {
        return {};
    }
    return failure(ret, "handshake");
}

IoResult TlsConnection::failure(int ret, const char* op) {
    int err = SSL_get_error(ssl_, ret);
    switch (err) {
        case SSL_ERROR_WANT_READ:
            return {IoResult::Status::WantRead, 0, true};
        case SSL_ERROR_WANT_WRITE:
            return {IoResult::Status::WantWrite, 0, true};
        case SSL_ERROR_ZERO_RETURN:
            return {IoResult::Status::Eof, 0, true};
        case SSL_ERROR_SYSCALL: {
            int e = SocketBio::lastErrno(SSL_get_rbio(ssl_));
            ERR_clear_error();
            error_ = e == 0 ? std::string("EOF") : Socket::errnoText(e);
            if (e == 0 && std::string(op) == "read") {
                return {IoResult::Status::Eof, 0, true};
            }
            break;
        }
        default: {
            long verify = SSL_get_verify_result(ssl_);
            std::string detail = ossl::drainErrors("protocol error");
            if (!identityError_.empty()) {
                error_ = identityError_;
            } else if (verify != X509_V_OK && std::string(op) == "handshake") {
                error_ = std::string("tls: certificate verify failed: ") +
                         X509_verify_cert_error_string(verify);
            } else {
                error_ = std::string("tls: ") + detail;
            }
            break;
        }
    }
    return {IoResult::Status::Error, 0, true};
}

IoResult TlsConnection::read(char* dst, size_t len) {
    size_t got = 0;
    int ret = SSL_read_ex(ssl_, dst, len, &got);
    if (ret == 1) {
        // Nothing buffered in OpenSSL and the socket drained by its last recv(): the next
        // SSL_read would only learn EAGAIN.
        bool exhausted = SSL_has_pending(ssl_) == 0 && SocketBio::drained(SSL_get_rbio(ssl_));
        return {IoResult::Status::Ok, got, exhausted};
    }
    return failure(ret, "read");
}

IoResult TlsConnection::flushUnsent() {
    BIO* bio = SSL_get_wbio(ssl_);
    if (SocketBio::unsent(bio) == 0) {
        return {};
    }
    if (!SocketBio::flushUnsent(bio)) {
        error_ = Socket::errnoText(SocketBio::lastErrno(bio));
        return {IoResult::Status::Error, 0, true};
    }
    if (SocketBio::unsent(bio) != 0) {
        return {IoResult::Status::WantWrite, 0, true};
    }
    return {};
}

IoResult TlsConnection::write(const char* src, size_t len) {
    if (IoResult r = flushUnsent(); r.status != IoResult::Status::Ok) {
        return r;
    }
    if (owed_ > 0) {
        // The caller offers again the bytes of the records that were waiting: they are out now.
        const size_t n = std::min(owed_, len);
        owed_ -= n;
        return {IoResult::Status::Ok, n, false};
    }
    if (len <= kRecordPlaintext) {
        size_t put = 0;
        int ret = SSL_write_ex(ssl_, src, len, &put);
        if (ret == 1) {
            return {IoResult::Status::Ok, put, false};
        }
        return failure(ret, "write");
    }

    // Several records: gathered, then one send(). One buffer per thread, empty between calls
    // (what the socket does not take is copied into the BIO), so connections hold none.
    thread_local std::vector<char> gathered;
    BIO* bio = SSL_get_wbio(ssl_);
    SocketBio::cork(bio, &gathered);
    size_t put = 0;
    size_t last = 0;
    int ret = 1;
    while (put < len && gathered.size() < kGatherBytes) {
        size_t w = 0;
        ret = SSL_write_ex(ssl_, src + put, len - put, &w);  // one record per call (partial mode)
        if (ret != 1) {
            break;
        }
        put += w;
        last = w;
    }
    const bool sendOk = SocketBio::uncork(bio);
    if (!sendOk) {
        error_ = Socket::errnoText(SocketBio::lastErrno(bio));
        return {IoResult::Status::Error, 0, true};
    }
    if (put == 0) {
        return failure(ret, "write");
    }
    if (SocketBio::unsent(bio) == 0) {
        // A failed record after good ones is reported by the next call.
        return {IoResult::Status::Ok, put, false};
    }
    // The socket is full. Hold back the last record's plaintext so the caller keeps bytes to
    // offer again, and so waits for writability, which sends the rest first.
    owed_ = last;
    if (put == last) {
        return {IoResult::Status::WantWrite, 0, true};
    }
    return {IoResult::Status::Ok, put - last, true};
}

IoResult TlsConnection::shutdownWrite() {
    // close_notify goes after every record written before it.
    if (IoResult r = flushUnsent(); r.status != IoResult::Status::Ok) {
        return r;
    }
    if (!closeNotifySent_) {
        ERR_clear_error();
        int ret = SSL_shutdown(ssl_);
        if (ret < 0) {
            IoResult r = failure(ret, "shutdown");
            if (r.status != IoResult::Status::Eof) {
                return r;
            }
        }
        closeNotifySent_ = true;
    }
    if (ring_ != nullptr && ring_->shutdownMustWait()) {
        // The FIN goes after close_notify and every record before it: wait for them (EPOLLOUT).
        return {IoResult::Status::WantWrite, 0, true};
    }
    // The FIN after close_notify lets peers that look only at TCP see the end as well; reading
    // continues, since SSL_shutdown only closes our sending direction.
    ::shutdown(socket_.fd(), SHUT_WR);
    return {};
}

std::string TlsConnection::peerUri() const {
    ossl::X509Ptr peer(SSL_get1_peer_certificate(ssl_));
    return peer ? ossl::firstUriSan(peer.get()) : std::string();
}

std::string TlsConnection::peerSerial() const {
    ossl::X509Ptr peer(SSL_get1_peer_certificate(ssl_));
    return peer ? ossl::serialColonHex(peer.get()) : std::string();
}

bool TlsConnection::receivedAny() const {
    return SocketBio::receivedAny(SSL_get_rbio(ssl_));
}

std::string TlsConnection::protocolVersion() const {
    return SSL_get_version(ssl_);
}

}  // namespace meshx::proxy
