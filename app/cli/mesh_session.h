#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/mesh_config.h"
#include "common/result.h"

namespace meshx::consul {
class ConsulClient;
}
namespace meshx::agent {
class DevAgent;
}
namespace meshx::mesh {
class ConsulMesh;
}

namespace meshx::cli {

// What `meshx shell` and `meshx serve` share: config from the environment and file, `--agent`
// and `--embedded-agent` applied, a client and a mesh engine on that agent.
struct MeshSession {
    MeshConfig config;
    std::unique_ptr<agent::DevAgent> embeddedAgent;
    std::unique_ptr<consul::ConsulClient> client;
    std::unique_ptr<mesh::ConsulMesh> mesh;

    ~MeshSession();

    // Consumes `--agent ADDR` and `--embedded-agent` from `args` (other words stay).
    static Result<std::unique_ptr<MeshSession>> open(std::vector<std::string>& args);
};

}  // namespace meshx::cli
