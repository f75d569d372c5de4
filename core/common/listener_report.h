#pragma once

#include <string_view>

namespace meshx {

// How a meshx-proxy process started by the engine tells it that its public listener listens or
// cannot bind, so the engine's start can return only when the sidecar accepts connections
// (docs/architecture.md, "Started means listening"). The proxy prints these lines (app/proxy)
// and ProxySupervisor reads them back (core/mesh): one definition keeps the two in step. A
// hosted sidecar says the same through the proxy host's L/F protocol lines instead.

// Set to "1" in the proxy's environment by the engine; unset (a proxy run by hand), the proxy's
// output stays `consul connect proxy`'s, line for line.
inline constexpr const char* kListenerReportEnv = "MESHX_PROXY_REPORT_LISTENER";
// Followed by the bound address.
inline constexpr std::string_view kListenerReadyLine = "==> Public listener ready: ";
// Followed by the bind error (the proxy retries every 2 s).
inline constexpr std::string_view kListenerFailedLine = "==> Public listener failed: ";

}  // namespace meshx
