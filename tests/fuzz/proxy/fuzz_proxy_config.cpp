// libFuzzer entry point for the proxy's own registration as the agent returns it
// (GET /v1/agent/service/<proxy id>, or "service" in a -config-file): JSON text parsed as the
// proxy does, then ProxyConfig::fromAgentService (defaults, numeric strings, timeouts, upstreams).
//
// Beyond "no crash, no UB, no leak": every rejection explains itself, and an accepted config
// only holds what the data plane can use (ports in 1..65535, positive timeouts, upstreams with
// a name and a port; the rest listed in `skipped`).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <nlohmann/json.hpp>

#include "proxy/proxy_config.h"

using meshx::proxy::ProxyConfig;

namespace {

constexpr std::size_t kMaxInput = 64 * 1024;

// The event loop adds timeouts to its clock in nanoseconds; this keeps that far from overflow.
bool usableTimeout(std::chrono::milliseconds t) {
    return t.count() > 0 && t <= std::chrono::hours(24);
}

void checkInvariants(const ProxyConfig& cfg) {
    if (cfg.proxiedServiceName.empty() || !usableTimeout(cfg.localConnectTimeout) ||
        !usableTimeout(cfg.handshakeTimeout)) {
        std::abort();
    }
    for (const auto& up : cfg.upstreams) {
        if (up.localBindPort == 0 || up.destinationName.empty() ||
            up.destinationType != "service" || !up.localBindSocketPath.empty() ||
            up.connectTimeout.count() <= 0) {
            std::abort();
        }
        (void)up.toString();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size > kMaxInput) {
        return 0;
    }
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto service = nlohmann::json::parse(text, nullptr, false);
    if (service.is_discarded()) {
        return 0;
    }
    const auto cfg = ProxyConfig::fromAgentService(service);
    if (!cfg) {
        if (cfg.error().message.empty()) {
            std::abort();
        }
        return 0;
    }
    checkInvariants(*cfg);
    return 0;
}
