#include "proxy/proxy_config.h"

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>

namespace meshx::proxy {

namespace {

using nlohmann::json;

std::string str(const json& obj, const char* key, std::string fallback = {}) {
    auto it = obj.find(key);
    if (it == obj.end() || !it->is_string() || it->get<std::string>().empty()) {
        return fallback;
    }
    return it->get<std::string>();
}

// Ports and timeouts: numbers, or numeric strings (Proxy.Config is a free map, and HCL/JSON
// writers disagree on quoting).
bool integer(const json& obj, const char* key, int64_t* out) {
    auto it = obj.find(key);
    if (it == obj.end()) {
        return false;
    }
    if (it->is_number_integer() || it->is_number_unsigned()) {
        *out = it->get<int64_t>();
        return true;
    }
    if (it->is_number_float()) {
        // Out of int64's range (1e300) the cast is undefined: not a usable number.
        const double d = it->get<double>();
        if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0)) {
            return false;
        }
        *out = static_cast<int64_t>(d);
        return true;
    }
    if (it->is_string()) {
        const auto& s = it->get_ref<const std::string&>();
        auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
        return ec == std::errc() && p == s.data() + s.size();
    }
    return false;
}

uint16_t port(const json& obj, const char* key) {
    int64_t v = 0;
    return integer(obj, key, &v) && v > 0 && v <= 65535 ? static_cast<uint16_t>(v) : 0;
}

// Timeouts are added to the event loop's clock in nanoseconds: a day keeps that far from overflow
// (9223372036854775807 ms would overflow it) and is longer than any sensible timeout.
constexpr int64_t kMaxTimeoutMs = 24 * 60 * 60 * 1000;

std::chrono::milliseconds millis(const json& obj, const char* key,
                                 std::chrono::milliseconds fallback) {
    int64_t v = 0;
    if (obj.is_object() && integer(obj, key, &v) && v > 0) {
        return std::chrono::milliseconds(std::min(v, kMaxTimeoutMs));
    }
    return fallback;
}

// Flags of Proxy.Config: true, or "true"/"1" (free map, quoting varies).
bool flag(const json& obj, const char* key) {
    if (!obj.is_object()) {
        return false;
    }
    auto it = obj.find(key);
    if (it == obj.end()) {
        return false;
    }
    if (it->is_boolean()) {
        return it->get<bool>();
    }
    if (it->is_string()) {
        const auto& s = it->get_ref<const std::string&>();
        return s == "true" || s == "1";
    }
    return it->is_number_integer() && it->get<int64_t>() == 1;
}

}  // namespace

std::string UpstreamConfig::toString() const {
    std::string addr = localBindSocketPath.empty()
                           ? localBindAddress + ":" + std::to_string(localBindPort)
                           : localBindSocketPath;
    return addr + "->" + destinationType + ":" + destinationPartition + "/" + destinationNamespace +
           "/" + destinationName;
}

std::string UpstreamConfig::bindKey() const {
    return localBindSocketPath.empty() ? localBindAddress + ":" + std::to_string(localBindPort)
                                       : localBindSocketPath;
}

Result<ProxyConfig> ProxyConfig::fromAgentService(const json& service) {
    if (!service.is_object()) {
        return makeError(Code::InvalidArgument, "service is not a JSON object");
    }
    if (str(service, "Kind") != "connect-proxy") {
        return makeError(Code::InvalidArgument, "service " + str(service, "ID") +
                                                    " is not a connect-proxy (Kind '" +
                                                    str(service, "Kind") + "')");
    }
    auto proxyIt = service.find("Proxy");
    if (proxyIt == service.end() || !proxyIt->is_object()) {
        return makeError(Code::InvalidArgument, "service " + str(service, "ID") + " has no Proxy");
    }
    const json& proxy = *proxyIt;

    ProxyConfig cfg;
    cfg.proxyId = str(service, "ID");
    cfg.proxiedServiceName = str(proxy, "DestinationServiceName");
    if (cfg.proxiedServiceName.empty()) {
        return makeError(Code::InvalidArgument,
                         "proxy " + cfg.proxyId + " has no Proxy.DestinationServiceName");
    }
    cfg.proxiedServiceId = str(proxy, "DestinationServiceID", cfg.proxiedServiceName);
    cfg.publicBindAddress = str(service, "Address", "0.0.0.0");
    cfg.publicBindPort = port(service, "Port");
    cfg.localServiceAddress = str(proxy, "LocalServiceAddress", "127.0.0.1");
    cfg.localServicePort = port(proxy, "LocalServicePort");

    static const json kEmpty = json::object();
    auto configIt = proxy.find("Config");
    const json& config = configIt != proxy.end() && configIt->is_object() ? *configIt : kEmpty;
    cfg.localConnectTimeout = millis(config, "local_connect_timeout_ms", cfg.localConnectTimeout);
    cfg.handshakeTimeout = millis(config, "handshake_timeout_ms", cfg.handshakeTimeout);
    cfg.turnTiming = flag(config, "meshx_turn_timing");

    auto upsIt = proxy.find("Upstreams");
    if (upsIt != proxy.end() && upsIt->is_array()) {
        for (const auto& u : *upsIt) {
            if (!u.is_object()) {
                continue;
            }
            UpstreamConfig up;
            up.destinationType = str(u, "DestinationType", up.destinationType);
            up.destinationPartition = str(u, "DestinationPartition", up.destinationPartition);
            up.destinationNamespace = str(u, "DestinationNamespace", up.destinationNamespace);
            up.destinationName = str(u, "DestinationName");
            up.datacenter = str(u, "Datacenter");
            up.localBindAddress = str(u, "LocalBindAddress", up.localBindAddress);
            up.localBindPort = port(u, "LocalBindPort");
            up.localBindSocketPath = str(u, "LocalBindSocketPath");
            auto ucIt = u.find("Config");
            if (ucIt != u.end()) {
                up.connectTimeout = millis(*ucIt, "connect_timeout_ms", up.connectTimeout);
                up.turnTiming = flag(*ucIt, "meshx_turn_timing");
            }
            if (!up.localBindSocketPath.empty()) {
                cfg.skipped.push_back(up.toString() + ": unix socket upstreams are not supported");
            } else if (up.localBindPort == 0) {
                cfg.skipped.push_back(up.toString() + ": upstream has no LocalBindPort");
            } else if (up.destinationName.empty()) {
                cfg.skipped.push_back(up.toString() + ": upstream has no DestinationName");
            } else if (up.destinationType != "service") {
                cfg.skipped.push_back(up.toString() + ": destination type '" + up.destinationType +
                                      "' is not supported");
            } else {
                cfg.upstreams.push_back(std::move(up));
            }
        }
    }
    return cfg;
}

}  // namespace meshx::proxy
