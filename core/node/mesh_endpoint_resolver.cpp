#include "node/mesh_endpoint_resolver.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "consul/catalog_endpoints.h"
#include "consul/consul_api.h"
#include "mesh/service_mesh.h"
#include "node/node_service_defaults.h"

namespace meshx::node {

namespace {

// One TCP connect to `address`, closed at once: does anything listen there yet?
bool accepts(const net::Address& address) {
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(address.port());
    if (::inet_pton(AF_INET, address.host().c_str(), &sa.sin_addr) != 1) {
        return false;
    }
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return false;
    }
    bool ok = ::connect(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) == 0;
    ::close(fd);
    return ok;
}

}  // namespace

MeshEndpointResolver::MeshEndpointResolver(mesh::ServiceMesh& mesh, consul::ConsulApi* catalog,
                                           nlohmann::json upstreamTemplate,
                                           std::chrono::milliseconds listenTimeout)
    : mesh_(mesh),
      catalog_(catalog),
      upstreamTemplate_(std::move(upstreamTemplate)),
      listenTimeout_(listenTimeout) {}

Status MeshEndpointResolver::requireHealthyInstance(const std::string& service) {
    if (!catalog_) {
        return {};
    }
    consul::endpoints::HealthQuery query;
    query.passing = true;
    auto entries = catalog_->call(consul::endpoints::healthConnect(service, query));
    if (!entries) {
        return entries.error();
    }
    if (entries->value.empty()) {
        return makeError(Code::NotFound,
                         "unknown node " + service + ": no healthy instance of its node service");
    }
    return {};
}

Result<net::Address> MeshEndpointResolver::resolve(const NodeName& remote, const NodeName& local) {
    const auto params = NodeServiceDefaults::upstream(remote, local);
    if (auto healthy = requireHealthyInstance(params.upstreamName); !healthy) {
        return healthy.error();
    }
    auto results = mesh_.connect({nlohmann::json(params.upstreamName)}, upstreamTemplate_,
                                 {params.proxyServiceName, params.proxyServiceId});
    if (!results) {
        return results.error();
    }
    if (results->size() != 1) {
        return makeError(Code::Internal, "the mesh returned no upstream for " + remote.toString());
    }
    auto address = results->front();
    if (!address) {
        return address.error();
    }
    const std::string key = params.proxyServiceId + ' ' + params.upstreamName;
    {
        std::lock_guard lock(mutex_);
        if (listening_.count(key) != 0) {
            return address;
        }
    }
    // The sidecar learns about the new upstream from the agent; poll (bounded) until it listens.
    const auto deadline = std::chrono::steady_clock::now() + listenTimeout_;
    auto pause = std::chrono::milliseconds(10);
    while (!accepts(*address)) {
        if (std::chrono::steady_clock::now() >= deadline) {
            return makeError(Code::Timeout, "the sidecar of " + params.proxyServiceId +
                                                " does not listen for upstream " +
                                                params.upstreamName + " at " + address->toString());
        }
        std::this_thread::sleep_for(pause);
        pause = std::min(pause * 2, std::chrono::milliseconds(200));
    }
    std::lock_guard lock(mutex_);
    listening_.insert(key);
    return address;
}

void MeshEndpointResolver::forgetAll() {
    std::lock_guard lock(mutex_);
    listening_.clear();
}

Result<bool> MeshEndpointResolver::release(const NodeName& remote, const NodeName& local) {
    const auto params = NodeServiceDefaults::upstream(remote, local);
    {
        std::lock_guard lock(mutex_);
        listening_.erase(params.proxyServiceId + ' ' + params.upstreamName);
    }
    auto removed = mesh_.disconnect({params.upstreamName}, params.proxyServiceId, false);
    if (!removed) {
        return removed.error();
    }
    return !removed->empty();
}

}  // namespace meshx::node
