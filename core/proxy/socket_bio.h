#pragma once

#include <openssl/bio.h>

namespace meshx::proxy {

// An OpenSSL BIO over a non-blocking socket that remembers whether its last recv() came back
// short, i.e. drained the socket. Internal to the proxy library (includes OpenSSL).
//
// Why: with OpenSSL's own socket BIO, knowing that a TLS stream has nothing more to give costs
// one extra SSL_read() and a recv() that fails with EAGAIN — per message, per hop. With this
// flag and SSL_has_pending(), a read that consumed everything already says so.
class SocketBio {
  public:
    // Any thread. A BIO reading and writing `fd` (not owned: closing stays with the Socket).
    static BIO* create(int fd);
    // Whether the last recv() on `bio` returned less than asked (or EAGAIN).
    static bool drained(BIO* bio);
    // errno of the last failed send()/recv() on `bio`, 0 if none.
    static int lastErrno(BIO* bio);
    // Whether any byte was ever received (a peer that connects and closes without a byte is a
    // health check or a port probe, not a failed TLS client).
    static bool receivedAny(BIO* bio);
};

}  // namespace meshx::proxy
