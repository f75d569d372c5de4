#pragma once

#include <openssl/bio.h>

#include <cstddef>
#include <vector>

namespace meshx::proxy {

class RingSocket;

// An OpenSSL BIO over a non-blocking socket that remembers whether its last recv() came back
// short, i.e. drained the socket, and that can gather several TLS records into one send().
// Internal to the proxy library (includes OpenSSL).
//
// Why drained: with OpenSSL's own socket BIO, knowing that a TLS stream has nothing more to give
// costs one extra SSL_read() and a recv() that fails with EAGAIN — per message, per hop. With
// this flag and SSL_has_pending(), a read that consumed everything already says so.
//
// Why gathered: OpenSSL writes one record (at most 16 KiB of plaintext) per BIO write, so 64 KiB
// relayed in bulk used to cost four send() calls and four TCP segments, each waking the reader.
// While corked, records are appended to a buffer and go out in one send() at uncork(). Bytes the
// socket could not take stay in the BIO ("unsent") and go out, in order, before anything else.
//
//   cork(buf) ─▶ SSL_write ▶ record ─▶ buf      uncork() ─▶ send(buf) ─┬─ all sent
//                SSL_write ▶ record ─▶ buf                            └─ rest ─▶ unsent
//   later writes (any record, corked or not) ─▶ after unsent; flushUnsent() sends it
class SocketBio {
  public:
    // Any thread. A BIO reading and writing `fd` (not owned: closing stays with the Socket).
    static BIO* create(int fd);
    // Thread of the SSL. From now on bytes come from and go to `ring` instead of recv()/send()
    // (the io_uring loop); drained() then means "the ring's inbound queue is empty".
    static void attachRing(BIO* bio, RingSocket* ring);
    // Whether the last recv() on `bio` returned less than asked (or EAGAIN).
    static bool drained(BIO* bio);
    // errno of the last failed send()/recv() on `bio`, 0 if none.
    static int lastErrno(BIO* bio);
    // Whether any byte was ever received (a peer that connects and closes without a byte is a
    // health check or a port probe, not a failed TLS client).
    static bool receivedAny(BIO* bio);

    // Thread of the SSL. Until uncork(), writes are appended to `*buffer` (cleared here), which
    // must outlive the uncork() call. Only while nothing is unsent.
    static void cork(BIO* bio, std::vector<char>* buffer);
    // Thread of the SSL. Sends what was gathered since cork() in one send(); what the socket
    // does not take is kept as unsent. False on a socket error (lastErrno() says which).
    static bool uncork(BIO* bio);
    // Bytes written to the BIO that are not on the socket yet.
    static size_t unsent(BIO* bio);
    // Thread of the SSL. Sends unsent bytes; false on a socket error. unsent() says what is left
    // (the socket is full when it is not zero).
    static bool flushUnsent(BIO* bio);
};

}  // namespace meshx::proxy
