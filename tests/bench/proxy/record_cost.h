#pragma once

#include <string>

namespace bench {

// What OpenSSL's record layer costs one 64-byte call through an mTLS relay pair: the request is
// encrypted by one relay and decrypted by the other, the reply likewise, so four record
// operations sit on every call's path whatever the relay does around them. Measured in this
// process over memory BIOs (no sockets, no wake-ups), TLS 1.3 with AES-128-GCM as meshx-proxy
// negotiates it, with the bench's certificates in `dir` (web: client, db: server). Microseconds
// per call (the four operations together); negative when the handshake fails.
double tlsRecordMicrosPerCall(const std::string& dir, int calls = 200000);

}  // namespace bench
