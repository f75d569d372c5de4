#include "agent/sidecar_expander.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <set>

namespace meshx::agent {

namespace {

// Go's net.JoinHostPort: IPv6 literals get brackets.
std::string joinHostPort(const std::string& host, int64_t port) {
    if (host.find(':') != std::string::npos) {
        return "[" + host + "]:" + std::to_string(port);
    }
    return host + ":" + std::to_string(port);
}

// Whether some process on this machine already listens on `port`. Consul only avoids ports of
// sidecars it registered itself; we also skip ports taken by anything else, because a dev agent
// shares the machine with other agents, tests and leftover proxies, and a sidecar whose port is
// taken would never become healthy. SO_REUSEADDR so that TIME_WAIT remnants do not count.
bool listenedOnLocally(int64_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return false;  // cannot tell: assume free, as Consul would
    }
    const int one = 1;
    (void)::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_ANY);
    const bool taken = ::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 &&
                       errno == EADDRINUSE;
    ::close(fd);
    return taken;
}

}  // namespace

Result<int64_t> SidecarExpander::pickPort(const std::string& id,
                                          const std::map<std::string, ServiceRecord>& services,
                                          std::unique_ptr<net::PortClaim>* claim) const {
    if (minPort_ < 1 || maxPort_ < 1 || maxPort_ < minPort_) {
        return makeError(Code::Internal,
                         "no port provided for sidecar_service and auto-assignment disabled in "
                         "config");
    }
    std::set<int64_t> used;
    for (const auto& [otherId, other] : services) {
        if (other.port >= minPort_ && other.port <= maxPort_) {
            if (otherId == id) {
                return other.port;  // re-registration keeps its port
            }
            used.insert(other.port);
        }
    }
    for (int64_t p = minPort_; p <= maxPort_; ++p) {
        if (used.count(p) != 0) {
            continue;
        }
        std::unique_ptr<net::PortClaim> held;
        if (!claimDirectory_.empty()) {
            // Claim before probing, as the engines do: a port we hold and found free stays ours.
            auto claimed = net::PortClaim::tryClaim(
                claimDirectory_, net::Address::tcp("127.0.0.1", static_cast<uint16_t>(p)));
            if (!claimed) {
                return claimed.error();
            }
            if (!*claimed) {
                continue;  // another agent's sidecar or an engine's service has it
            }
            held = std::move(*claimed);
        }
        if (skipPortsInUse_ && listenedOnLocally(p)) {
            continue;
        }
        if (claim != nullptr) {
            *claim = std::move(held);
        }
        return p;
    }
    return makeError(
        Code::Internal,
        "no port provided for sidecar_service and none left in the configured range [" +
            std::to_string(minPort_) + ", " + std::to_string(maxPort_) + "]");
}

Result<ServiceDefinition> SidecarExpander::expand(
    const ServiceDefinition& parent, const std::map<std::string, ServiceRecord>& services,
    std::unique_ptr<net::PortClaim>* claim) const {
    ServiceDefinition sidecar = *parent.sidecarService;
    sidecar.sidecarService.reset();

    sidecar.id = sidecarId(parent.id);
    if (!sidecar.meta || sidecar.meta->empty()) {
        sidecar.meta = parent.meta;
    }
    if (!sidecar.tags || sidecar.tags->empty()) {
        sidecar.tags = parent.tags;
    }
    if (sidecar.kind.empty()) {
        sidecar.kind = "connect-proxy";
    }
    if (sidecar.name.empty()) {
        sidecar.name = parent.name + "-sidecar-proxy";
    }
    if (sidecar.address.empty()) {
        sidecar.address = parent.address;
    }
    ProxyConfig& proxy = sidecar.proxy ? *sidecar.proxy : sidecar.proxy.emplace();
    if (proxy.destinationServiceName.empty()) {
        proxy.destinationServiceName = parent.name;
    }
    if (proxy.destinationServiceId.empty()) {
        proxy.destinationServiceId = parent.id;
    }
    if (proxy.localServiceSocketPath.empty() &&
        (proxy.localServiceAddress.empty() || proxy.localServicePort < 1)) {
        if (!parent.socketPath.empty()) {
            proxy.localServiceSocketPath = parent.socketPath;
        } else {
            if (proxy.localServiceAddress.empty()) {
                proxy.localServiceAddress = "127.0.0.1";
            }
            if (proxy.localServicePort < 1) {
                proxy.localServicePort = parent.port;
            }
        }
    }
    if (sidecar.port < 1) {
        auto port = pickPort(sidecar.id, services, claim);
        if (!port) {
            return port.error();
        }
        sidecar.port = *port;
    }
    if (sidecar.checks.empty()) {
        const std::string checkAddress =
            sidecar.address.empty() ? proxy.localServiceAddress : sidecar.address;
        CheckType listening;
        listening.name = "Connect Sidecar Listening";
        listening.tcp = joinHostPort(checkAddress, sidecar.port);
        listening.interval = std::chrono::seconds(10);
        CheckType aliasing;
        aliasing.name = "Connect Sidecar Aliasing " + parent.id;
        aliasing.aliasService = parent.id;
        sidecar.checks = {listening, aliasing};
    }
    return sidecar;
}

}  // namespace meshx::agent
