#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace meshx {
struct MeshConfig;
}

namespace meshx::mesh {

// How the TTL worker keeps a service's check alive: which check, what status, how often.
struct TtlSpec {
    std::string checkId = "ttl:{{id}}";  // a template until rendered
    std::string status = "passing";
    int intervalMs = 5000;
};

// What `start` renders against the Mustache hash: the registration (a structured template), the TTL
// worker spec and the sidecar proxy argv. Mirrors MeshxConsul's [registration:, ttl:, proxy:]
// keyword list; a part left out of a user template is taken from the defaults.
struct ServiceTemplate {
    nlohmann::json registration;
    std::optional<TtlSpec> ttl;                     // nullopt: no TTL worker
    std::optional<std::vector<std::string>> proxy;  // nullopt: no sidecar process

    // Registration ID {{id}}, Name {{name}}, one TTL check ttl:{{id}} of 10s, a sidecar whose
    // Proxy points at {{address}}:{{$port$}}; TTL passing every 5 s; `proxyArgv` as the command.
    static ServiceTemplate defaults(std::vector<std::string> proxyArgv);

    // Parses a JSON template `{"registration": {...}, "ttl": {"id","status","ttl"} | null,
    // "proxy": [argv...] | null}`; missing parts come from `base`. Unknown keys, a registration
    // that is not an object, a proxy that is not a list of strings: InvalidArgument naming it.
    static Result<ServiceTemplate> fromJson(const nlohmann::json& json,
                                            const ServiceTemplate& base);
    nlohmann::json toJson() const;
};

// Upstream template: DestinationName {{name}}, LocalBindAddress {{address}},
// LocalBindPort {{$port$}}.
nlohmann::json defaultUpstreamTemplate();

// Proxy kinds by name (ProxyKindRegistry: the built-ins meshx-proxy, consul-connect-proxy,
// consul-connect-envoy, what code registered, and with a config its `proxy_kinds`). The settings
// page and the start dialog list these names.
std::vector<std::string> namedProxyCommands();
std::vector<std::string> namedProxyCommands(const MeshConfig& config);
// The global registry's command for `name`; `meshxProxyPath` is where our own binary lives.
Result<std::vector<std::string>> proxyCommand(const std::string& name,
                                              const std::string& meshxProxyPath);

// Our own sidecar binary: next to the running program when it is there (build tree, installed
// package), else whatever `meshx-proxy` PATH finds. Any thread.
std::string meshxProxyPath();

// The template `start` uses when none is named: the defaults with the config's proxy kind
// (`proxy_template`) and TTL interval; when `proxy_template` names a template of the config file,
// that template layered over them. Pure but for meshxProxyPath(); any thread.
ServiceTemplate defaultServiceTemplate(const MeshConfig& config);
// A named template of the config, layered over defaultServiceTemplate(); or a proxy kind's name
// (the defaults with that kind's command). InvalidArgument when neither exists. Any thread.
Result<ServiceTemplate> namedServiceTemplate(const MeshConfig& config, const std::string& name);

}  // namespace meshx::mesh
