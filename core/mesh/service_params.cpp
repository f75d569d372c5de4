#include "mesh/service_params.h"
#include "common/hostname.h"
#include "mesh/service_mesh.h"

namespace meshx::mesh {

ServiceParams ServiceParams::named(const std::string& name) {
    return namedWithId(name, name + "-" + shortHostname());
}

ServiceParams ServiceParams::namedWithId(const std::string& name, const std::string& id) {
    return ServiceParams{{{"name", name}, {"id", id}}};
}

ServiceParams ServiceParams::fromHash(nlohmann::json hash) {
    return ServiceParams{hash.is_object() ? std::move(hash) : nlohmann::json::object()};
}

ProxyService ProxyService::defaults() {
    const std::string id = "upstream-" + shortHostname();
    return ProxyService{id, id};
}

}  // namespace meshx::mesh
