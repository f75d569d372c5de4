#pragma once

#include <chrono>
#include <string>

#include "proxy/socket_address.h"

namespace meshx::proxy {

// What an inbound connection needs from the configuration; shared read-only between the
// public listener and its sessions, replaced as a whole when the config changes.
struct InboundSettings {
    std::string service;  // the proxied service: authorization target
    SocketAddress localApp;
    std::chrono::milliseconds localConnectTimeout{1000};
    // Bounds TLS handshake plus authorization, so a silent client cannot hold a socket forever
    // (Consul parses this setting but does not enforce it).
    std::chrono::milliseconds handshakeTimeout{10000};
    bool turnTiming = false;  // ProxyConfig::turnTiming
};

}  // namespace meshx::proxy
