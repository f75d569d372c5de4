#pragma once

#include <memory>
#include <string>

#include "proxy/socket.h"
#include "proxy/tls_context.h"
#include "proxy/transport.h"

struct ssl_st;
struct x509_store_ctx_st;

namespace meshx::proxy {

class RingSocket;

// One TLS session over a non-blocking socket (OpenSSL reads and writes the fd itself: no memory
// BIOs, so no copy between a socket buffer and a TLS buffer).
//
// A write of more than one record's worth (16 KiB) is encrypted record by record into a
// gathering buffer and sent with one send() (SocketBio::cork): 64 KiB relayed costs one system
// call and one TCP segment train instead of four. A write of one record goes straight out, as
// one record in one send(), with no extra copy.
class TlsConnection : public Transport {
  public:
    enum class Role { Server, Client };

    // Loop thread. Keeps `context` alive for the session's lifetime.
    TlsConnection(std::shared_ptr<const TlsContext> context, Role role, Socket socket);
    ~TlsConnection() override;
    TlsConnection(const TlsConnection&) = delete;
    TlsConnection& operator=(const TlsConnection&) = delete;

    // Loop thread, client role, before the handshake. The server's first URI SAN must match
    // `want` (trust domain ignored, case-insensitive), checked while the chain is verified so a
    // mismatch aborts the handshake with an alert: the impostor never sees a finished handshake.
    // The error then reads `peer certificate mismatch got <uri>, want <uri>`.
    void expectPeer(const ServiceIdentity& want);

    // Loop thread. Advances the handshake: Ok when complete, WantRead/WantWrite to be called
    // again, Error with errorText() (`tls: certificate verify failed: unable to get local
    // issuer certificate`, `tls: peer did not return a certificate`, `EOF`...).
    IoResult handshake();

    // Loop thread, after a completed handshake. The peer's first URI SAN ("" if none) and
    // certificate serial as colon hex.
    std::string peerUri() const;
    std::string peerSerial() const;
    // TLSv1.3, TLSv1.2.
    std::string protocolVersion() const;
    // Loop thread. Whether the peer ever sent a byte.
    bool receivedAny() const;

    // Transport
    IoResult read(char* dst, size_t len) override;
    // When the socket takes only part of the gathered records, the rest stays in the BIO and the
    // plaintext of the last record is not counted as written (Ok with fewer bytes, or WantWrite):
    // the caller keeps it and offers it again when the fd is writable, as it would after any
    // WantWrite; by then the records are out and those bytes are acknowledged without being
    // encrypted twice. So the caller never has to know about the bytes in the BIO.
    IoResult write(const char* src, size_t len) override;
    IoResult shutdownWrite() override;
    std::string errorText() const override { return error_; }
    int fd() const override { return socket_.fd(); }
    void attachRing(UringLoop& ring, IoHandler* handler) override;

  private:
    IoResult failure(int ret, const char* op);
    // Sends records left in the BIO by an earlier write. Ok when none are left.
    IoResult flushUnsent();
    static int verifyCallback(int preverifyOk, x509_store_ctx_st* store);

    std::shared_ptr<const TlsContext> context_;
    Socket socket_;
    ssl_st* ssl_ = nullptr;
    RingSocket* ring_ = nullptr;  // after attachRing(); released (with the fd) by the destructor
    bool closeNotifySent_ = false;
    // Plaintext already encrypted into records still waiting in the BIO, which the caller will
    // offer again (see write()).
    size_t owed_ = 0;
    std::string error_;
    ServiceIdentity expected_;
    std::string identityError_;
};

}  // namespace meshx::proxy
