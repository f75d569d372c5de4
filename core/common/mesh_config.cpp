#include "common/mesh_config.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "net/address.h"

namespace meshx {

namespace {

constexpr std::string_view kHttp = "http://";
constexpr std::string_view kHttps = "https://";
constexpr std::string_view kUnix = "unix://";

std::string processEnv(const char* name) {
    const char* v = std::getenv(name);
    return v ? std::string(v) : std::string();
}

Error configError(const std::string& what) {
    return makeError(Code::InvalidArgument, what);
}

Result<bool> parseBool(const std::string& name, const std::string& value) {
    if (value == "1" || value == "true" || value == "TRUE" || value == "True") {
        return true;
    }
    if (value == "0" || value == "false" || value == "FALSE" || value == "False") {
        return false;
    }
    return configError(name + ": expected true or false, got '" + value + "'");
}

Result<uint16_t> portFromJson(const nlohmann::json& v, const char* key) {
    if (!v.is_number_integer() || v.get<long long>() < 0 || v.get<long long>() > 65535) {
        return configError(std::string("config key '") + key + "' must be a port 0..65535");
    }
    return static_cast<uint16_t>(v.get<int>());
}

}  // namespace

Result<AgentEndpoint> AgentEndpoint::parse(const std::string& text) {
    AgentEndpoint ep;
    std::string_view rest = text;
    if (rest.starts_with(kUnix)) {
        ep.scheme = Scheme::Unix;
        ep.socketPath = std::string(rest.substr(kUnix.size()));
        if (ep.socketPath.empty() || ep.socketPath.front() != '/') {
            return configError("agent address '" + text +
                               "': unix socket path must be absolute (unix:///path)");
        }
        ep.host = "localhost";
        ep.port = 0;
        return ep;
    }
    if (rest.starts_with(kHttps)) {
        ep.scheme = Scheme::Https;
        rest.remove_prefix(kHttps.size());
    } else if (rest.starts_with(kHttp)) {
        rest.remove_prefix(kHttp.size());
    } else if (auto s = rest.find("://"); s != std::string_view::npos) {
        return configError("agent address '" + text + "': unknown scheme '" +
                           std::string(rest.substr(0, s)) + "' (use http, https or unix)");
    }
    while (!rest.empty() && rest.back() == '/') {
        rest.remove_suffix(1);
    }
    auto hp = net::splitHostPort(rest);
    if (!hp) {
        return configError("agent address '" + text +
                           "': " + hp.error().message.substr(hp.error().message.rfind(": ") + 2));
    }
    ep.host = hp->host;
    ep.port = hp->hasPort ? hp->port : (ep.scheme == Scheme::Https ? 8501 : 8500);
    return ep;
}

std::string AgentEndpoint::toString() const {
    switch (scheme) {
        case Scheme::Unix:
            return std::string(kUnix) + socketPath;
        case Scheme::Https:
            return std::string(kHttps) + net::Address::tcp(host, port).hostPort();
        case Scheme::Http:
            break;
    }
    return std::string(kHttp) + net::Address::tcp(host, port).hostPort();
}

std::string AgentEndpoint::baseUrl() const {
    if (scheme == Scheme::Unix) {
        return "http://localhost";
    }
    return toString();
}

Status MeshConfig::applyEnvironment() {
    return applyEnvironment(&processEnv);
}

Status MeshConfig::applyEnvironment(EnvLookup lookup) {
    if (auto addr = lookup("CONSUL_HTTP_ADDR"); !addr.empty()) {
        auto ep = AgentEndpoint::parse(addr);
        if (!ep) {
            return configError("CONSUL_HTTP_ADDR: " + ep.error().message);
        }
        agent = *ep;
    }
    if (auto ssl = lookup("CONSUL_HTTP_SSL"); !ssl.empty()) {
        auto on = parseBool("CONSUL_HTTP_SSL", ssl);
        if (!on) {
            return on.error();
        }
        if (*on && agent.scheme == AgentEndpoint::Scheme::Http) {
            agent.scheme = AgentEndpoint::Scheme::Https;
        }
    }
    if (auto verify = lookup("CONSUL_HTTP_SSL_VERIFY"); !verify.empty()) {
        auto on = parseBool("CONSUL_HTTP_SSL_VERIFY", verify);
        if (!on) {
            return on.error();
        }
        tlsVerify = *on;
    }
    struct {
        const char* name;
        std::string* field;
    } strings[] = {{"CONSUL_HTTP_TOKEN", &token},
                   {"CONSUL_CACERT", &caCert},
                   {"CONSUL_CLIENT_CERT", &clientCert},
                   {"CONSUL_CLIENT_KEY", &clientKey},
                   {"CONSUL_TLS_SERVER_NAME", &tlsServerName}};
    for (auto& s : strings) {
        if (auto v = lookup(s.name); !v.empty()) {
            *s.field = v;
        }
    }
    return {};
}

Status MeshConfig::applyJson(const nlohmann::json& json) {
    if (!json.is_object()) {
        return configError("config must be a JSON object");
    }
    for (const auto& item : json.items()) {
        // Named copies, not structured bindings: clang 14 cannot capture those in lambdas.
        const std::string key = item.key();
        const nlohmann::json& v = item.value();
        auto wantString = [&](std::string* field) -> Status {
            if (!v.is_string()) {
                return configError("config key '" + key + "' must be a string");
            }
            *field = v.get<std::string>();
            return {};
        };
        auto wantInt = [&](int* field) -> Status {
            if (!v.is_number_integer() || v.get<long long>() < 0) {
                return configError("config key '" + key + "' must be a non-negative integer");
            }
            *field = v.get<int>();
            return {};
        };
        Status st;
        if (key == "agent_address") {
            if (!v.is_string()) {
                return configError("config key 'agent_address' must be a string");
            }
            auto ep = AgentEndpoint::parse(v.get<std::string>());
            if (!ep) {
                return ep.error();
            }
            agent = *ep;
        } else if (key == "token") {
            st = wantString(&token);
        } else if (key == "ca_cert") {
            st = wantString(&caCert);
        } else if (key == "client_cert") {
            st = wantString(&clientCert);
        } else if (key == "client_key") {
            st = wantString(&clientKey);
        } else if (key == "tls_server_name") {
            st = wantString(&tlsServerName);
        } else if (key == "tls_verify") {
            if (!v.is_boolean()) {
                return configError("config key 'tls_verify' must be true or false");
            }
            tlsVerify = v.get<bool>();
        } else if (key == "port_range") {
            if (!v.is_object()) {
                return configError("config key 'port_range' must be {\"ip\",\"min\",\"max\"}");
            }
            for (const auto& [pk, pv] : v.items()) {
                if (pk == "ip" && pv.is_string()) {
                    portRangeIp = pv.get<std::string>();
                } else if (pk == "min" || pk == "max") {
                    auto port = portFromJson(pv, pk == "min" ? "port_range.min" : "port_range.max");
                    if (!port) {
                        return port.error();
                    }
                    (pk == "min" ? portRangeMin : portRangeMax) = *port;
                } else {
                    return configError("unknown or mistyped config key 'port_range." + pk + "'");
                }
            }
            if (portRangeMin > portRangeMax) {
                return configError("port_range: min is above max");
            }
        } else if (key == "proxy_log_dir") {
            st = wantString(&proxyLogDir);
        } else if (key == "proxy_host") {
            st = wantString(&proxyHost);
            if (st && proxyHost != "shared" && proxyHost != "per_service") {
                return configError("config key 'proxy_host' must be \"shared\" or \"per_service\"");
            }
        } else if (key == "max_proxy_restarts") {
            st = wantInt(&maxProxyRestarts);
        } else if (key == "start_timeout_ms") {
            st = wantInt(&startTimeoutMs);
        } else if (key == "ttl_interval_ms") {
            st = wantInt(&ttlIntervalMs);
        } else if (key == "proxy_template") {
            st = wantString(&proxyTemplate);
        } else if (key == "proxy_kinds") {
            if (!v.is_object()) {
                return configError("config key 'proxy_kinds' must map names to commands");
            }
            for (const auto& [name, argv] : v.items()) {
                if (!argv.is_array() || argv.empty()) {
                    return configError("proxy_kinds." + name +
                                       " must be a non-empty list of strings");
                }
                std::vector<std::string> words;
                for (const auto& w : argv) {
                    if (!w.is_string()) {
                        return configError("proxy_kinds." + name + " must be a list of strings");
                    }
                    words.push_back(w.get<std::string>());
                }
                proxyKinds[name] = std::move(words);
            }
        } else if (key == "templates") {
            if (!v.is_object()) {
                return configError("config key 'templates' must map names to templates");
            }
            for (const auto& [name, t] : v.items()) {
                templates[name] = t.is_string() ? t.get<std::string>() : t.dump();
            }
        } else {
            return configError("unknown config key '" + key + "'");
        }
        if (!st) {
            return st;
        }
    }
    return {};
}

Status MeshConfig::applyFile(const std::string& path) {
    std::ifstream in(path);
    if (!in) {
        return makeError(Code::IoError, "cannot read config file '" + path + "'");
    }
    auto json = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (json.is_discarded()) {
        return makeError(Code::ParseError, "config file '" + path + "' is not valid JSON");
    }
    auto st = applyJson(json);
    if (!st) {
        return makeError(st.error().code, path + ": " + st.error().message);
    }
    return {};
}

Result<MeshConfig> MeshConfig::load() {
    MeshConfig config;
    std::string path = processEnv("MESHX_CONFIG");
    if (path.empty()) {
        std::string base = processEnv("XDG_CONFIG_HOME");
        if (base.empty() && !processEnv("HOME").empty()) {
            base = processEnv("HOME") + "/.config";
        }
        std::string candidate = base + "/meshx/config.json";
        if (!base.empty() && std::filesystem::exists(candidate)) {
            path = candidate;
        }
    }
    if (!path.empty()) {
        if (auto st = config.applyFile(path); !st) {
            return st.error();
        }
    }
    if (auto st = config.applyEnvironment(); !st) {
        return st.error();
    }
    return config;
}

std::string MeshConfig::describe() const {
    std::string out = "agent " + agent.toString();
    out += hasToken() ? ", token set" : ", no token";
    if (!caCert.empty()) {
        out += ", CA " + caCert;
    }
    out += ", ports " + portRangeIp + ":" + std::to_string(portRangeMin) + ".." +
           std::to_string(portRangeMax);
    return out;
}

}  // namespace meshx
