#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace meshx::mesh {

// Advertises live telemetry taps (docs/taps.md) in a rendered service registration, so anyone
// with the agent's address finds every tap of the mesh:
//
//   - the registering process's own tap (TapServer::processAddress()) under Meta "meshx-tap";
//   - the sidecar's tap under Connect.SidecarService.Meta "meshx-tap". A sidecar's registration
//     is made before the proxy starts, so its tap address is chosen here: a unix socket of this
//     user (mode 0700 directory) that the proxy is told to bind through MESHX_TAP_LISTEN. Only
//     `meshx-proxy` serves a tap; another proxy's sidecar Meta gets "meshx-tap": "" so it does not
//     inherit the parent's address (a sidecar with no Meta inherits its parent's, as in Consul).
//
// A key the template already sets is left as it is. A process whose tap is off (MESHX_TAP_LISTEN
// =off, inherited by its proxies) advertises nothing.
struct TapAdvertisement {
    // Environment to add to the proxy's (MESHX_TAP_LISTEN), empty when the proxy gets no tap.
    std::map<std::string, std::string> proxyEnv;
    // The sidecar tap address written into the registration, or "".
    std::string sidecarTap;

    // Edits `registration` (the rendered one, before it is sent) for service `serviceId` whose
    // sidecar runs `proxyArgv` (empty: no proxy). Any thread; creates the socket directory.
    static TapAdvertisement apply(nlohmann::json& registration, const std::string& serviceId,
                                  const std::vector<std::string>& proxyArgv);

    // Where the sidecar of `serviceId` serves its tap: unix://<runtime dir>/meshx-taps-<uid>/
    // <id>-<hash>.sock, or "" when no private directory can be made. Any thread.
    static std::string sidecarTapAddress(const std::string& serviceId);
};

}  // namespace meshx::mesh
