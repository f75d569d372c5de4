#pragma once

#include "proxy/log_limiter.h"

namespace meshx::proxy {

// What the public listener's sessions learned about the local service, shared by them (a
// session may outlive its listener). Loop thread only.
//
// While `down` (the last dial of the service failed) or `suspect` (the service ended a
// connection before its client did: a crash closes every connection at once), a new connection
// dials the service before its TLS handshake and, when that is refused, is reset before a single
// TLS byte: the caller's sidecar sees a failed handshake and tries another instance without its
// client noticing. The first successful dial clears both. While the service is trusted up,
// nothing dials it before authorization (a denied or unauthenticated client never causes a
// connection to the service); the price of suspicion is one such early connection, which a
// denied client then closes unused.
struct LocalAppHealth {
    bool down = false;
    bool suspect = false;
    // "failed to dial" lines while the service stays down: one per interval, not one per
    // connection of a caller under load.
    LogLimiter dialFailureLog;
};

}  // namespace meshx::proxy
