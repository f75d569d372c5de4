#include "ui/proxy_logs/proxy_summary.h"

#include "ui/shared/health_status.h"

namespace meshx::ui {

namespace {

std::string endpoint(const std::string& address, int port, const std::string& fallbackHost) {
    return (address.empty() ? fallbackHost : address) + ":" + std::to_string(port);
}

}  // namespace

ProxySummary ProxySummary::build(
    const std::string& serviceId, const engine::AgentSnapshot& snapshot,
    const std::map<std::string, engine::DestinationHealth>& destinations,
    std::optional<mesh::ProxyInfo> process, const std::string& nodeAddress) {
    ProxySummary s;
    s.serviceId = serviceId;
    s.process = std::move(process);
    for (const auto& [id, svc] : snapshot.services) {
        if (svc.kind != "connect-proxy" || !svc.proxy ||
            svc.proxy->destinationServiceId != serviceId) {
            continue;
        }
        s.sidecarId = id;
        s.publicListener =
            endpoint(svc.address, svc.port, nodeAddress.empty() ? "(node address)" : nodeAddress);
        const auto& p = *svc.proxy;
        s.localService = !p.localServiceSocketPath.empty()
                             ? "unix://" + p.localServiceSocketPath
                             : endpoint(p.localServiceAddress, p.localServicePort, "127.0.0.1");
        std::vector<consul::HealthCheck> checks;
        for (const auto& c : snapshot.checks) {
            if (c.serviceId == id) {
                checks.push_back(c);
            }
        }
        s.sidecarHealth = health::aggregate(checks);
        for (const auto& u : p.upstreams) {
            Upstream up;
            up.destination = u.destinationName;
            up.bind = !u.localBindSocketPath.empty()
                          ? "unix://" + u.localBindSocketPath
                          : endpoint(u.localBindAddress, u.localBindPort, "127.0.0.1");
            if (auto it = destinations.find(u.destinationName); it != destinations.end()) {
                up.health = it->second;
            }
            s.upstreams.push_back(std::move(up));
        }
        break;
    }
    return s;
}

}  // namespace meshx::ui
