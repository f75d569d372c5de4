#pragma once

#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace meshx {
struct MeshConfig;
}

namespace meshx::mesh {

// One way to run a service's sidecar: a name (what `proxy_template`, `start --template` and the
// settings page say) and the argv `start` renders against the service's hash ({{id}} ...).
// "{{meshx-proxy}}" as a word stands for our own sidecar binary (meshxProxyPath()).
struct ProxyKind {
    std::string name;
    std::vector<std::string> argv;
    std::string description;  // one line for lists and --help
};

// Proxy kinds by name. The process-wide registry starts with the built-ins:
//   "meshx-proxy"           our built-in sidecar: meshx-proxy -sidecar-for {{id}}
//   "consul-connect-proxy"  consul connect proxy -log-level err -sidecar-for {{id}}
//   "consul-connect-envoy"  consul connect envoy -sidecar-for {{id}} -- -l error
// and code adds its own with add(). A config's `proxy_kinds` add more for that config only
// (withConfig()). Registering a name twice in code is a programming error and aborts with a
// message (like the serializer registry); a config naming a registered kind is an
// InvalidArgument, because the config is input. Any thread.
class ProxyKindRegistry {
  public:
    static ProxyKindRegistry& global();

    // Fatal when the name is already registered.
    void add(ProxyKind kind);
    // The global kinds plus `config.proxyKinds`. InvalidArgument for a config kind with an
    // empty argv or a name already registered.
    Result<ProxyKindRegistry> withConfig(const MeshConfig& config) const;

    // Null when unknown. The pointer stays valid while the registry lives.
    const ProxyKind* byName(std::string_view name) const;
    // Registered names in registration order (built-ins first).
    std::vector<std::string> names() const;
    // The kind's argv with "{{meshx-proxy}}" replaced by `meshxProxyPath`; still a template
    // for the service's hash. InvalidArgument naming the known kinds when `name` is unknown.
    Result<std::vector<std::string>> command(std::string_view name,
                                             const std::string& meshxProxyPath) const;

    ProxyKindRegistry(const ProxyKindRegistry& other);
    ProxyKindRegistry& operator=(const ProxyKindRegistry&) = delete;

  private:
    ProxyKindRegistry();

    mutable std::mutex mutex_;
    std::deque<ProxyKind> kinds_;  // a deque: add() keeps byName() pointers valid
};

// True when `argv` runs our built-in sidecar: its program is any path to a binary named
// meshx-proxy (what "{{meshx-proxy}}" renders to, or an operator's own path to it).
bool isMeshxProxyCommand(const std::vector<std::string>& argv);

}  // namespace meshx::mesh
