#include "agent/response_shapes.h"

#include <cstdio>
#include <ctime>

#include "agent/go_duration.h"

namespace meshx::agent {

namespace {

OJson stringArray(const std::vector<std::string>& v) {
    OJson a = OJson::array();
    for (const auto& s : v) {
        a.push_back(s);
    }
    return a;
}

OJson stringMap(const std::map<std::string, std::string>& m) {
    OJson o = OJson::object();
    for (const auto& [k, v] : m) {
        o[k] = v;
    }
    return o;
}

OJson plain(const nlohmann::json& j) {
    return OJson(j);
}

OJson taggedAddresses(const std::map<std::string, TaggedAddress>& m) {
    OJson o = OJson::object();
    for (const auto& [k, v] : m) {
        o[k] = OJson{{"Address", v.address}, {"Port", v.port}};
    }
    return o;
}

OJson weights(const Weights& w) {
    return OJson{{"Passing", w.passing}, {"Warning", w.warning}};
}

OJson upstreamJson(const Upstream& u) {
    OJson o = OJson::object();
    auto opt = [&](const char* key, const std::string& v) {
        if (!v.empty()) {
            o[key] = v;
        }
    };
    opt("DestinationType", u.destinationType);
    opt("DestinationPartition", u.destinationPartition);
    opt("DestinationNamespace", u.destinationNamespace);
    opt("DestinationPeer", u.destinationPeer);
    o["DestinationName"] = u.destinationName;
    opt("Datacenter", u.datacenter);
    opt("LocalBindAddress", u.localBindAddress);
    if (u.localBindPort != 0) {
        o["LocalBindPort"] = u.localBindPort;
    }
    opt("LocalBindSocketPath", u.localBindSocketPath);
    opt("LocalBindSocketMode", u.localBindSocketMode);
    if (u.config.is_object() && !u.config.empty()) {
        o["Config"] = plain(u.config);
    }
    o["MeshGateway"] = plain(u.meshGateway);
    if (u.centrallyConfigured) {
        o["CentrallyConfigured"] = true;
    }
    return o;
}

// `internal`: structs.ConnectProxyConfig (catalog/health: Mode always present);
// otherwise api.AgentServiceConnectProxyConfig (agent endpoints: Mode omitted when empty).
OJson proxyJson(const ProxyConfig& p, bool internal) {
    OJson o = OJson::object();
    auto opt = [&](const char* key, const std::string& v) {
        if (!v.empty()) {
            o[key] = v;
        }
    };
    opt("DestinationServiceName", p.destinationServiceName);
    opt("DestinationServiceID", p.destinationServiceId);
    opt("LocalServiceAddress", p.localServiceAddress);
    if (p.localServicePort != 0) {
        o["LocalServicePort"] = p.localServicePort;
    }
    opt("LocalServiceSocketPath", p.localServiceSocketPath);
    if (internal) {
        o["Mode"] = p.mode;
    } else {
        opt("Mode", p.mode);
        if (p.transparentProxy.is_object() && !p.transparentProxy.empty()) {
            o["TransparentProxy"] = plain(p.transparentProxy);
        }
    }
    if (p.config.is_object() && !p.config.empty()) {
        o["Config"] = plain(p.config);
    }
    if (!p.upstreams.empty()) {
        OJson ups = OJson::array();
        for (const auto& u : p.upstreams) {
            ups.push_back(upstreamJson(u));
        }
        o["Upstreams"] = ups;
    }
    o["MeshGateway"] = plain(p.meshGateway);
    o["Expose"] = plain(p.expose);
    if (internal && p.transparentProxy.is_object() && !p.transparentProxy.empty()) {
        o["TransparentProxy"] = plain(p.transparentProxy);
    }
    return o;
}

OJson connectJson(const ServiceRecord& s) {
    OJson o = OJson::object();
    if (s.connectNative) {
        o["Native"] = true;
    }
    return o;
}

// structs.HealthCheckDefinition with its omitempty fields.
OJson checkDefinitionJson(const CheckType& d) {
    OJson o = OJson::object();
    auto opt = [&](const char* key, const std::string& v) {
        if (!v.empty()) {
            o[key] = v;
        }
    };
    auto flag = [&](const char* key, bool v) {
        if (v) {
            o[key] = true;
        }
    };
    auto dur = [&](const char* key, std::chrono::nanoseconds v) {
        if (v.count() != 0) {
            o[key] = formatGoDuration(v);
        }
    };
    opt("HTTP", d.http);
    opt("TLSServerName", d.tlsServerName);
    flag("TLSSkipVerify", d.tlsSkipVerify);
    if (!d.header.empty()) {
        OJson h = OJson::object();
        for (const auto& [k, v] : d.header) {
            h[k] = stringArray(v);
        }
        o["Header"] = h;
    }
    opt("Method", d.method);
    opt("Body", d.body);
    flag("DisableRedirects", d.disableRedirects);
    opt("TCP", d.tcp);
    flag("TCPUseTLS", d.tcpUseTls);
    opt("UDP", d.udp);
    opt("H2PING", d.h2ping);
    flag("H2PingUseTLS", d.h2pingUseTls);
    opt("GRPC", d.grpc);
    flag("GRPCUseTLS", d.grpcUseTls);
    opt("OSService", d.osService);
    dur("Interval", d.interval);
    if (d.outputMaxSize != 0) {
        o["OutputMaxSize"] = d.outputMaxSize;
    }
    dur("Timeout", d.timeout);
    dur("DeregisterCriticalServiceAfter", d.deregisterCriticalServiceAfter);
    if (!d.scriptArgs.empty()) {
        o["ScriptArgs"] = stringArray(d.scriptArgs);
    }
    opt("DockerContainerID", d.dockerContainerId);
    opt("Shell", d.shell);
    opt("AliasNode", d.aliasNode);
    opt("AliasService", d.aliasService);
    dur("TTL", d.ttl);
    return o;
}

OJson checkCommon(const CheckRecord& c, const NodeInfo& node) {
    return OJson{{"Node", node.name},
                 {"CheckID", c.checkId},
                 {"Name", c.name},
                 {"Status", c.status},
                 {"Notes", c.notes},
                 {"Output", c.output},
                 {"ServiceID", c.serviceId},
                 {"ServiceName", c.serviceName},
                 {"ServiceTags", stringArray(c.serviceTags)}};
}

uint64_t fnv1a(const std::string& data) {
    uint64_t h = 14695981039346656037ULL;
    for (unsigned char ch : data) {
        h ^= ch;
        h *= 1099511628211ULL;
    }
    return h;
}

}  // namespace

OJson agentServiceJson(const ServiceRecord& s, const NodeInfo& node,
                       const std::string& contentHash) {
    OJson o = OJson::object();
    reserveMembers(o, 16);
    if (!s.kind.empty()) {
        o["Kind"] = s.kind;
    }
    o["ID"] = s.id;
    o["Service"] = s.service;
    o["Tags"] = stringArray(s.tags);
    o["Meta"] = stringMap(s.meta);
    o["Port"] = s.port;
    o["Address"] = s.address;
    if (!s.socketPath.empty()) {
        o["SocketPath"] = s.socketPath;
    }
    if (!s.taggedAddresses.empty()) {
        o["TaggedAddresses"] = taggedAddresses(s.taggedAddresses);
    }
    o["Weights"] = weights(s.weights);
    o["EnableTagOverride"] = s.enableTagOverride;
    if (!contentHash.empty()) {
        o["ContentHash"] = contentHash;
    }
    if (s.proxy) {
        o["Proxy"] = proxyJson(*s.proxy, false);
    }
    if (s.connectNative) {
        o["Connect"] = OJson{{"Native", true}};
    }
    o["Datacenter"] = node.datacenter;
    return o;
}

std::string agentServiceContentHash(const ServiceRecord& s, const NodeInfo& node) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "%llx",
                  static_cast<unsigned long long>(fnv1a(agentServiceJson(s, node).dump())));
    return buf;
}

OJson agentCheckJson(const CheckRecord& c, const NodeInfo& node) {
    OJson o = checkCommon(c, node);
    o["Type"] = c.type;
    o["Interval"] = formatGoDuration(c.definition.interval);
    o["Timeout"] = formatGoDuration(c.definition.timeout);
    o["ExposedPort"] = 0;
    o["Definition"] = OJson::object();
    o["CreateIndex"] = 0;
    o["ModifyIndex"] = 0;
    return o;
}

OJson catalogCheckJson(const CheckRecord& c, const NodeInfo& node) {
    OJson o = checkCommon(c, node);
    o["Type"] = c.type;
    o["Interval"] = formatGoDuration(c.definition.interval);
    o["Timeout"] = formatGoDuration(c.definition.timeout);
    o["ExposedPort"] = 0;
    o["Definition"] = checkDefinitionJson(c.definition);
    o["CreateIndex"] = c.createIndex;
    o["ModifyIndex"] = c.modifyIndex;
    return o;
}

OJson agentHealthCheckJson(const CheckRecord& c, const NodeInfo& node) {
    OJson o = checkCommon(c, node);
    o["Type"] = "";
    o["Definition"] =
        OJson{{"Interval", "0s"}, {"Timeout", "0s"},     {"DeregisterCriticalServiceAfter", "0s"},
              {"HTTP", ""},       {"Header", nullptr},   {"Method", ""},
              {"Body", ""},       {"TLSServerName", ""}, {"TLSSkipVerify", false},
              {"TCP", ""}};
    o["CreateIndex"] = 0;
    o["ModifyIndex"] = 0;
    return o;
}

OJson nodeJson(const NodeInfo& node) {
    // Go's nil maps print as null (a registered node that gave none).
    auto nullable = [](const std::map<std::string, std::string>& m) {
        return m.empty() ? OJson(nullptr) : stringMap(m);
    };
    return OJson{{"ID", node.id},
                 {"Node", node.name},
                 {"Address", node.address},
                 {"Datacenter", node.datacenter},
                 {"TaggedAddresses", nullable(node.taggedAddresses)},
                 {"Meta", nullable(node.meta)},
                 {"CreateIndex", node.createIndex},
                 {"ModifyIndex", node.modifyIndex}};
}

OJson catalogServiceNodeJson(const ServiceRecord& s, const NodeInfo& node) {
    const OJson n = nodeJson(node);
    OJson o = OJson::object();
    reserveMembers(o, 24);
    o["ID"] = node.id;
    o["Node"] = node.name;
    o["Address"] = node.address;
    o["Datacenter"] = node.datacenter;
    o["TaggedAddresses"] = n["TaggedAddresses"];
    o["NodeMeta"] = n["Meta"];
    o["ServiceKind"] = s.kind;
    o["ServiceID"] = s.id;
    o["ServiceName"] = s.service;
    o["ServiceTags"] = stringArray(s.tags);
    o["ServiceAddress"] = s.address;
    if (!s.taggedAddresses.empty()) {
        o["ServiceTaggedAddresses"] = taggedAddresses(s.taggedAddresses);
    }
    o["ServiceWeights"] = weights(s.weights);
    o["ServiceMeta"] = stringMap(s.meta);
    o["ServicePort"] = s.port;
    if (!s.socketPath.empty()) {
        o["ServiceSocketPath"] = s.socketPath;
    }
    o["ServiceEnableTagOverride"] = s.enableTagOverride;
    o["ServiceProxy"] = proxyJson(s.proxy.value_or(ProxyConfig{}), true);
    o["ServiceConnect"] = connectJson(s);
    o["CreateIndex"] = s.createIndex;
    o["ModifyIndex"] = s.modifyIndex;
    return o;
}

OJson nodeServiceJson(const ServiceRecord& s) {
    OJson o = OJson::object();
    reserveMembers(o, 18);
    if (!s.kind.empty()) {
        o["Kind"] = s.kind;
    }
    o["ID"] = s.id;
    o["Service"] = s.service;
    o["Tags"] = stringArray(s.tags);
    o["Address"] = s.address;
    if (!s.taggedAddresses.empty()) {
        o["TaggedAddresses"] = taggedAddresses(s.taggedAddresses);
    }
    o["Meta"] = stringMap(s.meta);
    if (s.port != 0) {
        o["Port"] = s.port;
    }
    if (!s.socketPath.empty()) {
        o["SocketPath"] = s.socketPath;
    }
    o["Weights"] = weights(s.weights);
    o["EnableTagOverride"] = s.enableTagOverride;
    o["Proxy"] = proxyJson(s.proxy.value_or(ProxyConfig{}), true);
    o["Connect"] = connectJson(s);
    o["PeerName"] = "";
    o["CreateIndex"] = s.createIndex;
    o["ModifyIndex"] = s.modifyIndex;
    return o;
}

std::string rfc3339(std::chrono::system_clock::time_point t, bool nanos) {
    const auto since = t.time_since_epoch();
    const auto secs = std::chrono::duration_cast<std::chrono::seconds>(since);
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(since - secs).count();
    const std::time_t tt = secs.count();
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    std::string out = buf;
    if (nanos && ns != 0) {
        char frac[16];
        std::snprintf(frac, sizeof frac, ".%09lld", static_cast<long long>(ns));
        std::string f = frac;
        while (f.back() == '0') {
            f.pop_back();
        }
        out += f;
    }
    return out + "Z";
}

}  // namespace meshx::agent
