#pragma once

#include <map>
#include <string>

#include "consul/agent_types.h"

namespace meshx::ui {

// Where a client dials service `id` directly, without the mesh (the RPC page's "Attach to
// instance"): "tcp://HOST:PORT" or "unix:///path", empty when the agent's data does not say.
//
// Its own registration's socket path or port when it has one (Address, else the node's
// address). A service registered without a port — the engine's default template registers the
// service bare and gives the program's endpoint to its sidecar only, as
// Proxy.LocalServiceAddress/LocalServicePort (or LocalServiceSocketPath) — is found through the
// sidecar whose Proxy.DestinationServiceID is `id`: that is where the program listens.
// `services` is the agent's /agent/services by id. Pure; any thread.
std::string directAddress(const std::map<std::string, consul::AgentService>& services,
                          const std::string& id, const std::string& nodeAddress);

}  // namespace meshx::ui
