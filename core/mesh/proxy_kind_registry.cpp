#include "mesh/proxy_kind_registry.h"

#include <cstdio>
#include <cstdlib>

#include "common/mesh_config.h"

namespace meshx::mesh {

namespace {

constexpr std::string_view kOwnProxy = "{{meshx-proxy}}";

}  // namespace

ProxyKindRegistry& ProxyKindRegistry::global() {
    static ProxyKindRegistry registry;
    return registry;
}

ProxyKindRegistry::ProxyKindRegistry() {
    // Built-ins are added here rather than by static objects: a static library drops
    // registration objects nobody references.
    add({"meshx-proxy",
         {std::string(kOwnProxy), "-sidecar-for", "{{id}}"},
         "the built-in sidecar (meshx-proxy)"});
    add({"consul-connect-proxy",
         {"consul", "connect", "proxy", "-log-level", "err", "-sidecar-for", "{{id}}"},
         "Consul's built-in proxy (consul connect proxy)"});
    add({"consul-connect-envoy",
         {"consul", "connect", "envoy", "-sidecar-for", "{{id}}", "--", "-l", "error"},
         "Envoy started by Consul (consul connect envoy)"});
}

ProxyKindRegistry::ProxyKindRegistry(const ProxyKindRegistry& other) {
    std::lock_guard lock(other.mutex_);
    kinds_ = other.kinds_;
}

void ProxyKindRegistry::add(ProxyKind kind) {
    std::lock_guard lock(mutex_);
    for (const auto& k : kinds_) {
        if (k.name == kind.name) {
            std::fprintf(stderr, "meshx mesh: proxy kind '%s' registered twice\n",
                         kind.name.c_str());
            std::abort();
        }
    }
    kinds_.push_back(std::move(kind));
}

Result<ProxyKindRegistry> ProxyKindRegistry::withConfig(const MeshConfig& config) const {
    ProxyKindRegistry out(*this);
    for (const auto& [name, argv] : config.proxyKinds) {
        if (argv.empty() || argv.front().empty()) {
            return makeError(Code::InvalidArgument,
                             "proxy kind '" + name + "' needs a command (a list of words)");
        }
        if (out.byName(name)) {
            return makeError(Code::InvalidArgument,
                             "proxy kind '" + name + "' is already registered (built in)");
        }
        out.kinds_.push_back({name, argv, "from the config file"});
    }
    return out;
}

const ProxyKind* ProxyKindRegistry::byName(std::string_view name) const {
    std::lock_guard lock(mutex_);
    for (const auto& k : kinds_) {
        if (k.name == name) {
            return &k;
        }
    }
    return nullptr;
}

std::vector<std::string> ProxyKindRegistry::names() const {
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    out.reserve(kinds_.size());
    for (const auto& k : kinds_) {
        out.push_back(k.name);
    }
    return out;
}

Result<std::vector<std::string>> ProxyKindRegistry::command(
    std::string_view name, const std::string& meshxProxyPath) const {
    const ProxyKind* kind = byName(name);
    if (!kind) {
        std::string known;
        for (const auto& n : names()) {
            known += (known.empty() ? "" : ", ") + n;
        }
        return makeError(Code::InvalidArgument,
                         "unknown proxy template '" + std::string(name) + "' (" + known + ")");
    }
    std::vector<std::string> argv = kind->argv;
    for (auto& word : argv) {
        if (word == kOwnProxy) {
            word = meshxProxyPath;
        }
    }
    return argv;
}

bool isMeshxProxyCommand(const std::vector<std::string>& argv) {
    if (argv.empty()) {
        return false;
    }
    const std::string& program = argv.front();
    const size_t slash = program.rfind('/');
    return (slash == std::string::npos ? program : program.substr(slash + 1)) == "meshx-proxy";
}

}  // namespace meshx::mesh
