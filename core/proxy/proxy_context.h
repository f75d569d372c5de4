#pragma once

#include <memory>

#include "proxy/authorizer.h"
#include "proxy/event_loop.h"
#include "proxy/logger.h"
#include "proxy/proxy_stats.h"
#include "proxy/session_tracker.h"
#include "proxy/tls_context.h"

namespace meshx::proxy {

// What every listener and session of one loop shares. Owned by Proxy, which keeps it alive
// until its loop thread has stopped; everything but `stats` is touched on the loop thread only.
struct ProxyContext {
    EventLoop& loop;
    Logger& log;
    SessionTracker& sessions;
    Authorizer& authorizer;  // answers on the loop thread (a CachingAuthorizer)
    ProxyStats& stats;
    // Current certificates; replaced on rotation. Sessions copy the pointer when they start.
    std::shared_ptr<const TlsContext> tls;
    // Listeners share their port with the other Proxy loops of this process (SO_REUSEPORT).
    bool reusePort = false;
};

}  // namespace meshx::proxy
