#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "common/result.h"

namespace meshx {

// Where the Consul agent's HTTP API is, parsed from the forms CONSUL_HTTP_ADDR accepts:
// `host:port`, `http://host:port`, `https://host:port`, `unix:///abs/path`.
struct AgentEndpoint {
    enum class Scheme { Http, Https, Unix };

    Scheme scheme = Scheme::Http;
    std::string host = "127.0.0.1";
    uint16_t port = 8500;
    std::string socketPath;  // Unix only

    static Result<AgentEndpoint> parse(const std::string& text);

    // `http://127.0.0.1:8500`, `https://consul.local:8501`, `unix:///run/consul/http.sock`.
    std::string toString() const;
    // Base URL for libcurl: the socket path goes to CURLOPT_UNIX_SOCKET_PATH, the host part is a
    // placeholder the agent ignores.
    std::string baseUrl() const;

    bool operator==(const AgentEndpoint&) const = default;
};

// Everything the engine needs to talk to the agent and run services. Loaded as: built-in defaults,
// then a config file (JSON), then environment variables (a per-invocation override, as Consul's
// own CLI treats them). The token is a secret: describe() and every log line leave it out.
struct MeshConfig {
    AgentEndpoint agent;
    std::string token;          // CONSUL_HTTP_TOKEN
    std::string caCert;         // CONSUL_CACERT
    std::string clientCert;     // CONSUL_CLIENT_CERT
    std::string clientKey;      // CONSUL_CLIENT_KEY
    std::string tlsServerName;  // CONSUL_TLS_SERVER_NAME
    bool tlsVerify = true;      // CONSUL_HTTP_SSL_VERIFY

    std::string portRangeIp = "127.0.0.1";
    uint16_t portRangeMin = 1024;
    uint16_t portRangeMax = 65535;

    int maxProxyRestarts = 5;
    // proxy_log_dir: when set, each supervised proxy's output is also appended to
    // <dir>/<service-id>.log (the ring and the bus keep it either way).
    std::string proxyLogDir;
    // proxy_host: "per_service" (default) runs each built-in sidecar (meshx-proxy) as a process
    // of its own; "shared" runs all of an engine's built-in sidecars in one `meshx-proxy -host`
    // process (mesh::ProxyHostProcess). Other proxy kinds always get a process each.
    std::string proxyHost = "per_service";
    int startTimeoutMs = 5000;
    int ttlIntervalMs = 5000;

    std::string proxyTemplate = "meshx-proxy";  // name of the proxy command template to use
    // Named templates from the config file ("templates": {"name": <JSON template>}).
    std::map<std::string, std::string> templates;
    // Proxy kinds of this config ("proxy_kinds": {"name": ["argv", "{{id}}", ...]}), beside the
    // built-in ones of mesh::ProxyKindRegistry; `proxy_template` may name them.
    std::map<std::string, std::vector<std::string>> proxyKinds;

    // Reads the variables above from `env` (a lookup function so tests need not touch the
    // process environment). Unknown scheme or bad number -> InvalidArgument naming the variable.
    using EnvLookup = std::string (*)(const char* name);
    Status applyEnvironment(EnvLookup lookup);
    Status applyEnvironment();  // the process environment

    // Applies a JSON config file's keys (see docs/configuration.md). Unknown keys are an error,
    // so a typo never silently does nothing.
    Status applyJson(const nlohmann::json& json);
    Status applyFile(const std::string& path);

    // Defaults, then $MESHX_CONFIG (or ~/.config/meshx/config.json when it exists), then env.
    static Result<MeshConfig> load();

    bool hasToken() const { return !token.empty(); }
    // One line for logs and the status bar; says whether a token is set, never what it is.
    std::string describe() const;
};

}  // namespace meshx
