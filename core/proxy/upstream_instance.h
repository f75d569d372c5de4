#pragma once

#include <string>

#include "proxy/service_identity.h"
#include "proxy/socket_address.h"

namespace meshx::proxy {

// One healthy instance of an upstream: a sidecar (or connect-native service) to dial, and the
// identity its certificate must carry. Built from a `/health/connect/<name>?passing` entry.
struct UpstreamInstance {
    std::string id;  // Service.ID of the proxy (stable key for round-robin and failure memory)
    SocketAddress address;
    // Proxy.DestinationServiceName (or Service for connect-native), Node.Datacenter, namespace,
    // partition. The trust domain is not compared (Consul ignores it here).
    ServiceIdentity identity;
};

}  // namespace meshx::proxy
