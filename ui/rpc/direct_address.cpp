#include "ui/rpc/direct_address.h"

namespace meshx::ui {

namespace {

std::string tcp(const std::string& host, const std::string& fallback, int port) {
    return "tcp://" + (host.empty() ? fallback : host) + ":" + std::to_string(port);
}

}  // namespace

std::string directAddress(const std::map<std::string, consul::AgentService>& services,
                          const std::string& id, const std::string& nodeAddress) {
    auto own = services.find(id);
    if (own == services.end())
        return {};
    const consul::AgentService& svc = own->second;
    if (!svc.socketPath.empty())
        return "unix://" + svc.socketPath;
    if (svc.port > 0)
        return tcp(svc.address, nodeAddress, svc.port);
    for (const auto& [sidecarId, sidecar] : services) {
        if (sidecar.kind != "connect-proxy" || !sidecar.proxy ||
            sidecar.proxy->destinationServiceId != id)
            continue;
        const consul::ProxyConfig& p = *sidecar.proxy;
        if (!p.localServiceSocketPath.empty())
            return "unix://" + p.localServiceSocketPath;
        if (p.localServicePort > 0)
            return tcp(p.localServiceAddress, "127.0.0.1", p.localServicePort);
    }
    return {};
}

}  // namespace meshx::ui
