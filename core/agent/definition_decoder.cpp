#include "agent/definition_decoder.h"

#include <cctype>

namespace meshx::agent {

namespace {

nlohmann::json toPlain(const IJson& value) {
    return nlohmann::json(value);
}

std::string str(const GoObjectReader& r, std::string_view field) {
    return r.str(field).value_or("");
}

// First present of several aliases (Go: distinct fields that Consul merges afterwards).
template <typename T, typename Getter>
std::optional<T> firstOf(std::initializer_list<std::string_view> fields, Getter get) {
    for (std::string_view f : fields) {
        if (auto v = get(f)) {
            return v;
        }
    }
    return std::nullopt;
}

nlohmann::json decodeMeshGateway(const GoObjectReader& parent, std::string_view field) {
    const IJson* v = parent.object(field, "structs.MeshGatewayConfig");
    if (v == nullptr) {
        return nlohmann::json::object();
    }
    GoObjectReader r = parent.nested(*v, field, "MeshGatewayConfig", {"Mode"});
    nlohmann::json out = nlohmann::json::object();
    if (auto mode = r.str("Mode"); mode && !mode->empty()) {
        out["Mode"] = *mode;
    }
    return out;
}

nlohmann::json decodeExpose(const GoObjectReader& parent) {
    const IJson* v = parent.object("Expose", "structs.ExposeConfig");
    if (v == nullptr) {
        return nlohmann::json::object();
    }
    GoObjectReader r = parent.nested(*v, "Expose", "ExposeConfig", {"Checks", "Paths"});
    nlohmann::json out = nlohmann::json::object();
    if (r.boolean("Checks").value_or(false)) {
        out["Checks"] = true;
    }
    if (const IJson* paths = r.array("Paths", "[]structs.ExposePath")) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& p : *paths) {
            GoObjectReader pr = r.nested(p, "Paths", "ExposePath",
                                         {"ListenerPort", "listener_port", "Path", "LocalPathPort",
                                          "local_path_port", "Protocol", "ParsedFromCheck"});
            nlohmann::json path = nlohmann::json::object();
            if (auto port = firstOf<int64_t>({"ListenerPort", "listener_port"},
                                             [&](auto f) { return pr.integer(f); })) {
                path["ListenerPort"] = *port;
            }
            if (auto s = pr.str("Path")) {
                path["Path"] = *s;
            }
            if (auto port = firstOf<int64_t>({"LocalPathPort", "local_path_port"},
                                             [&](auto f) { return pr.integer(f); })) {
                path["LocalPathPort"] = *port;
            }
            if (auto s = pr.str("Protocol")) {
                path["Protocol"] = *s;
            }
            if (pr.boolean("ParsedFromCheck").value_or(false)) {
                path["ParsedFromCheck"] = true;
            }
            list.push_back(path);
        }
        if (!list.empty()) {
            out["Paths"] = list;
        }
    }
    return out;
}

Upstream decodeUpstream(const GoObjectReader& parent, const IJson& value) {
    GoObjectReader r = parent.nested(value, "Upstreams", "Upstream",
                                     {"DestinationType",
                                      "destination_type",
                                      "DestinationNamespace",
                                      "destination_namespace",
                                      "DestinationPartition",
                                      "destination_partition",
                                      "DestinationPeer",
                                      "destination_peer",
                                      "DestinationName",
                                      "destination_name",
                                      "Datacenter",
                                      "LocalBindAddress",
                                      "local_bind_address",
                                      "LocalBindPort",
                                      "local_bind_port",
                                      "LocalBindSocketPath",
                                      "local_bind_socket_path",
                                      "LocalBindSocketMode",
                                      "local_bind_socket_mode",
                                      "Config",
                                      "MeshGateway",
                                      "mesh_gateway",
                                      "CentrallyConfigured",
                                      "centrally_configured"});
    auto s = [&](std::string_view a, std::string_view b) {
        return firstOf<std::string>({a, b}, [&](auto f) { return r.str(f); }).value_or("");
    };
    Upstream u;
    u.destinationType = s("DestinationType", "destination_type");
    u.destinationNamespace = s("DestinationNamespace", "destination_namespace");
    u.destinationPartition = s("DestinationPartition", "destination_partition");
    u.destinationPeer = s("DestinationPeer", "destination_peer");
    u.destinationName = s("DestinationName", "destination_name");
    u.datacenter = str(r, "Datacenter");
    u.localBindAddress = s("LocalBindAddress", "local_bind_address");
    u.localBindPort = firstOf<int64_t>({"LocalBindPort", "local_bind_port"}, [&](auto f) {
                          return r.integer(f);
                      }).value_or(0);
    u.localBindSocketPath = s("LocalBindSocketPath", "local_bind_socket_path");
    u.localBindSocketMode = s("LocalBindSocketMode", "local_bind_socket_mode");
    if (const IJson* c = r.object("Config", "map[string]interface {}")) {
        u.config = toPlain(*c);
    }
    u.meshGateway = r.has("MeshGateway") ? decodeMeshGateway(r, "MeshGateway")
                                         : decodeMeshGateway(r, "mesh_gateway");
    u.centrallyConfigured =
        firstOf<bool>({"CentrallyConfigured", "centrally_configured"}, [&](auto f) {
            return r.boolean(f);
        }).value_or(false);
    return u;
}

ProxyConfig decodeProxy(const GoObjectReader& parent, const IJson& value) {
    GoObjectReader r =
        parent.nested(value, "Proxy", "ConnectProxyConfig",
                      {"DestinationServiceName", "destination_service_name", "DestinationServiceID",
                       "destination_service_id", "LocalServiceAddress", "local_service_address",
                       "LocalServicePort", "local_service_port", "LocalServiceSocketPath",
                       "local_service_socket_path", "Mode", "TransparentProxy", "transparent_proxy",
                       "Config", "Upstreams", "MeshGateway", "mesh_gateway", "Expose"});
    auto s = [&](std::string_view a, std::string_view b) {
        return firstOf<std::string>({a, b}, [&](auto f) { return r.str(f); }).value_or("");
    };
    ProxyConfig p;
    p.destinationServiceName = s("DestinationServiceName", "destination_service_name");
    p.destinationServiceId = s("DestinationServiceID", "destination_service_id");
    p.localServiceAddress = s("LocalServiceAddress", "local_service_address");
    p.localServicePort = firstOf<int64_t>({"LocalServicePort", "local_service_port"}, [&](auto f) {
                             return r.integer(f);
                         }).value_or(0);
    p.localServiceSocketPath = s("LocalServiceSocketPath", "local_service_socket_path");
    p.mode = str(r, "Mode");
    for (std::string_view f : {"TransparentProxy", "transparent_proxy"}) {
        if (const IJson* t = r.object(f, "structs.TransparentProxyConfig")) {
            GoObjectReader tr = r.nested(*t, f, "TransparentProxyConfig",
                                         {"OutboundListenerPort", "outbound_listener_port",
                                          "DialedDirectly", "dialed_directly"});
            nlohmann::json out = nlohmann::json::object();
            if (auto port = firstOf<int64_t>({"OutboundListenerPort", "outbound_listener_port"},
                                             [&](auto g) { return tr.integer(g); });
                port && *port != 0) {
                out["OutboundListenerPort"] = *port;
            }
            if (firstOf<bool>({"DialedDirectly", "dialed_directly"}, [&](auto g) {
                    return tr.boolean(g);
                }).value_or(false)) {
                out["DialedDirectly"] = true;
            }
            p.transparentProxy = out;
        }
    }
    if (const IJson* c = r.object("Config", "map[string]interface {}")) {
        p.config = toPlain(*c);
    }
    if (const IJson* ups = r.array("Upstreams", "structs.Upstreams")) {
        for (const auto& u : *ups) {
            p.upstreams.push_back(decodeUpstream(r, u));
        }
    }
    p.meshGateway = r.has("MeshGateway") ? decodeMeshGateway(r, "MeshGateway")
                                         : decodeMeshGateway(r, "mesh_gateway");
    p.expose = decodeExpose(r);
    return p;
}

// The CheckType fields shared by service checks and check definitions.
#define MESHX_CHECK_TYPE_FIELDS                                                                    \
    "Name", "Status", "Notes", "ScriptArgs", "args", "script_args", "HTTP", "Header", "Method",    \
        "Body", "DisableRedirects", "TCP", "TCPUseTLS", "UDP", "Interval", "AliasNode",            \
        "AliasService", "DockerContainerID", "docker_container_id", "Shell", "GRPC", "GRPCUseTLS", \
        "grpc_use_tls", "H2PING", "H2PingUseTLS", "OSService", "TLSServerName", "tls_server_name", \
        "TLSSkipVerify", "tls_skip_verify", "Timeout", "TTL", "SuccessBeforePassing",              \
        "FailuresBeforeWarning", "FailuresBeforeCritical", "DeregisterCriticalServiceAfter",       \
        "deregister_critical_service_after", "OutputMaxSize", "ServiceID", "service_id"

void decodeCheckFields(const GoObjectReader& r, CheckType& c) {
    auto s = [&](std::initializer_list<std::string_view> names) {
        return firstOf<std::string>(names, [&](auto f) { return r.str(f); }).value_or("");
    };
    auto b = [&](std::initializer_list<std::string_view> names) {
        return firstOf<bool>(names, [&](auto f) { return r.boolean(f); }).value_or(false);
    };
    auto n = [&](std::string_view name) { return r.integer(name).value_or(0); };
    auto d = [&](std::initializer_list<std::string_view> names) {
        return firstOf<std::chrono::nanoseconds>(names, [&](auto f) { return r.duration(f); })
            .value_or(std::chrono::nanoseconds{0});
    };
    c.name = s({"Name"});
    c.status = s({"Status"});
    c.notes = s({"Notes"});
    c.scriptArgs =
        firstOf<std::vector<std::string>>({"ScriptArgs", "args", "script_args"}, [&](auto f) {
            return r.strings(f);
        }).value_or(std::vector<std::string>{});
    c.http = s({"HTTP"});
    if (const IJson* h = r.object("Header", "map[string][]string")) {
        for (auto it = h->begin(); it != h->end(); ++it) {
            std::vector<std::string> values;
            if (!it.value().is_null()) {
                if (!it.value().is_array()) {
                    r.typeError(it.value(), "Header", "[]string");
                }
                for (const auto& v : it.value()) {
                    if (!v.is_string()) {
                        r.typeError(v, "Header", "string");
                    }
                    values.push_back(v.get<std::string>());
                }
            }
            c.header[it.key()] = values;
        }
    }
    c.method = s({"Method"});
    c.body = s({"Body"});
    c.disableRedirects = b({"DisableRedirects"});
    c.tcp = s({"TCP"});
    c.tcpUseTls = b({"TCPUseTLS"});
    c.udp = s({"UDP"});
    c.grpc = s({"GRPC"});
    c.grpcUseTls = b({"GRPCUseTLS", "grpc_use_tls"});
    c.h2ping = s({"H2PING"});
    c.h2pingUseTls = b({"H2PingUseTLS"});
    c.osService = s({"OSService"});
    c.aliasNode = s({"AliasNode"});
    c.aliasService = s({"AliasService"});
    c.dockerContainerId = s({"DockerContainerID", "docker_container_id"});
    c.shell = s({"Shell"});
    c.tlsServerName = s({"TLSServerName", "tls_server_name"});
    c.tlsSkipVerify = b({"TLSSkipVerify", "tls_skip_verify"});
    c.interval = d({"Interval"});
    c.timeout = d({"Timeout"});
    c.ttl = d({"TTL"});
    c.deregisterCriticalServiceAfter =
        d({"DeregisterCriticalServiceAfter", "deregister_critical_service_after"});
    c.successBeforePassing = n("SuccessBeforePassing");
    c.failuresBeforeWarning = n("FailuresBeforeWarning");
    c.failuresBeforeCritical = n("FailuresBeforeCritical");
    c.outputMaxSize = n("OutputMaxSize");
    c.serviceId = s({"ServiceID", "service_id"});
}

CheckType decodeServiceCheck(const GoObjectReader& parent, std::string_view field,
                             const IJson& value) {
    GoObjectReader r =
        parent.nested(value, field, "CheckType", {"CheckID", MESHX_CHECK_TYPE_FIELDS});
    CheckType c;
    c.checkId = r.str("CheckID").value_or("");
    decodeCheckFields(r, c);
    c.serviceId.clear();  // accepted and ignored inside a service definition
    return c;
}

ServiceDefinition decodeService(const GoObjectReader& r) {
    ServiceDefinition def;
    def.kind = str(r, "Kind");
    def.id = str(r, "ID");
    def.name = str(r, "Name");
    def.tags = r.strings("Tags");
    def.address = str(r, "Address");
    for (std::string_view f : {"TaggedAddresses", "tagged_addresses"}) {
        if (const IJson* t = r.object(f, "map[string]structs.ServiceAddress")) {
            for (auto it = t->begin(); it != t->end(); ++it) {
                if (it.value().is_null()) {
                    def.taggedAddresses[it.key()] = {};
                    continue;
                }
                GoObjectReader ar = r.nested(it.value(), f, "ServiceAddress", {"Address", "Port"});
                def.taggedAddresses[it.key()] =
                    TaggedAddress{str(ar, "Address"), ar.integer("Port").value_or(0)};
            }
        }
    }
    def.meta = r.stringMap("Meta");
    def.port = r.integer("Port").value_or(0);
    def.socketPath = str(r, "SocketPath");
    if (const IJson* c = r.get("Check")) {
        CheckType check = decodeServiceCheck(r, "Check", *c);
        if (!check.empty()) {
            def.checks.push_back(std::move(check));
        }
    }
    if (const IJson* cs = r.array("Checks", "structs.CheckTypes")) {
        for (const auto& c : *cs) {
            if (c.is_null()) {
                continue;
            }
            def.checks.push_back(decodeServiceCheck(r, "Checks", c));
        }
    }
    if (const IJson* w = r.object("Weights", "structs.Weights")) {
        GoObjectReader wr = r.nested(*w, "Weights", "Weights", {"Passing", "Warning"});
        def.weights = Weights{wr.integer("Passing").value_or(0), wr.integer("Warning").value_or(0)};
    }
    def.token = str(r, "Token");
    def.enableTagOverride =
        firstOf<bool>({"EnableTagOverride", "enable_tag_override"}, [&](auto f) {
            return r.boolean(f);
        }).value_or(false);
    if (const IJson* p = r.get("Proxy")) {
        def.proxy = decodeProxy(r, *p);
    }
    if (const IJson* c = r.object("Connect", "structs.ServiceConnect")) {
        GoObjectReader cr = r.nested(*c, "Connect", "ServiceConnect",
                                     {"Native", "SidecarService", "sidecar_service"});
        def.connectNative = cr.boolean("Native").value_or(false);
        for (std::string_view f : {"SidecarService", "sidecar_service"}) {
            if (const IJson* s = cr.get(f)) {
                GoObjectReader sr = cr.nested(
                    *s, f, "ServiceDefinition",
                    {"Kind", "ID", "Name", "Tags", "Address", "TaggedAddresses", "tagged_addresses",
                     "Meta", "Port", "SocketPath", "Check", "Checks", "Weights", "Token",
                     "EnableTagOverride", "enable_tag_override", "Proxy", "Connect"});
                def.sidecarService = std::make_shared<ServiceDefinition>(decodeService(sr));
            }
        }
    }
    return def;
}

}  // namespace

ServiceDefinition decodeServiceDefinition(const IJson& body) {
    GoObjectReader r(
        body, "structs.ServiceDefinition", "ServiceDefinition", "",
        {"Kind", "ID", "Name", "Tags", "Address", "TaggedAddresses", "tagged_addresses", "Meta",
         "Port", "SocketPath", "Check", "Checks", "Weights", "Token", "EnableTagOverride",
         "enable_tag_override", "Proxy", "Connect"});
    return decodeService(r);
}

CheckType decodeCheckDefinition(const IJson& body) {
    GoObjectReader r(body, "structs.CheckDefinition", "CheckDefinition", "",
                     {"ID", "Token", MESHX_CHECK_TYPE_FIELDS});
    CheckType c;
    c.checkId = r.str("ID").value_or("");
    c.token = r.str("Token").value_or("");
    decodeCheckFields(r, c);
    return c;
}

namespace {

bool sameFold(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    for (size_t i = 0; i < a.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(a[i])) !=
            std::tolower(static_cast<unsigned char>(b[i]))) {
            return false;
        }
    }
    return true;
}

// A copy of an object without the keys that match none of `fields` (Go's json.Decoder skips
// them when unknown fields are allowed); non-objects are returned as they are, for the reader
// to report. `rename` maps a field to the name the reader declares.
IJson knownFieldsOnly(const IJson& value, std::initializer_list<std::string_view> fields,
                      std::string_view from = {}, std::string_view to = {}) {
    if (!value.is_object()) {
        return value;
    }
    IJson out = IJson::object();
    for (auto it = value.begin(); it != value.end(); ++it) {
        for (std::string_view f : fields) {
            if (sameFold(f, it.key())) {
                const std::string key =
                    !from.empty() && sameFold(from, it.key()) ? std::string(to) : it.key();
                out[key] = it.value();
                break;
            }
        }
    }
    return out;
}

CatalogCheck decodeCatalogCheck(const IJson& value, std::string_view field) {
    const IJson filtered =
        knownFieldsOnly(value, {"Node", "CheckID", "Name", "Status", "Notes", "Output", "ServiceID",
                                "Type", "Interval", "Timeout", "Definition"});
    GoObjectReader r(filtered, "structs.HealthCheck", "RegisterRequest", std::string(field),
                     {"Node", "CheckID", "Name", "Status", "Notes", "Output", "ServiceID", "Type",
                      "Interval", "Timeout", "Definition"});
    CatalogCheck c;
    c.definition.checkId = str(r, "CheckID");
    c.definition.name = str(r, "Name");
    c.definition.status = str(r, "Status");
    c.definition.notes = str(r, "Notes");
    c.definition.serviceId = str(r, "ServiceID");
    c.output = str(r, "Output");
    c.type = str(r, "Type");
    if (const IJson* d = r.object("Definition", "structs.HealthCheckDefinition")) {
        const IJson def = knownFieldsOnly(*d, {MESHX_CHECK_TYPE_FIELDS});
        GoObjectReader dr =
            r.nested(def, "Definition", "HealthCheckDefinition", {MESHX_CHECK_TYPE_FIELDS});
        CheckType parsed;
        decodeCheckFields(dr, parsed);
        parsed.checkId = c.definition.checkId;
        parsed.name = c.definition.name;
        parsed.status = c.definition.status;
        parsed.notes = c.definition.notes;
        parsed.serviceId = c.definition.serviceId;
        c.definition = std::move(parsed);
    }
    // HealthCheck's own Interval/Timeout (strings) when the definition gave none.
    if (c.definition.interval.count() == 0) {
        c.definition.interval = r.duration("Interval").value_or(std::chrono::nanoseconds{0});
    }
    if (c.definition.timeout.count() == 0) {
        c.definition.timeout = r.duration("Timeout").value_or(std::chrono::nanoseconds{0});
    }
    return c;
}

}  // namespace

CatalogRegistration decodeCatalogRegistration(const IJson& body) {
    const IJson filtered =
        knownFieldsOnly(body, {"Datacenter", "ID", "Node", "Address", "TaggedAddresses", "NodeMeta",
                               "Service", "Check", "Checks", "SkipNodeUpdate", "Token"});
    GoObjectReader r(filtered, "structs.RegisterRequest", "RegisterRequest", "",
                     {"Datacenter", "ID", "Node", "Address", "TaggedAddresses", "NodeMeta",
                      "Service", "Check", "Checks", "SkipNodeUpdate", "Token"});
    CatalogRegistration reg;
    reg.datacenter = str(r, "Datacenter");
    reg.id = str(r, "ID");
    reg.node = str(r, "Node");
    reg.address = str(r, "Address");
    reg.taggedAddresses =
        r.stringMap("TaggedAddresses").value_or(std::map<std::string, std::string>{});
    reg.nodeMeta = r.stringMap("NodeMeta").value_or(std::map<std::string, std::string>{});
    reg.skipNodeUpdate = r.boolean("SkipNodeUpdate").value_or(false);
    if (const IJson* svc = r.object("Service", "structs.NodeService")) {
        // structs.NodeService names the service `Service`; the shared decoder calls it `Name`.
        const IJson renamed = knownFieldsOnly(
            *svc,
            {"Kind", "ID", "Service", "Tags", "Address", "TaggedAddresses", "Meta", "Port",
             "SocketPath", "Weights", "EnableTagOverride", "Proxy", "Connect"},
            "Service", "Name");
        GoObjectReader sr =
            r.nested(renamed, "Service", "NodeService",
                     {"Kind", "ID", "Name", "Tags", "Address", "TaggedAddresses", "Meta", "Port",
                      "SocketPath", "Weights", "EnableTagOverride", "Proxy", "Connect"});
        reg.service = decodeService(sr);
        reg.service->sidecarService.reset();  // the catalog does not expand sidecars
    }
    if (const IJson* c = r.get("Check")) {
        reg.checks.push_back(decodeCatalogCheck(*c, "Check"));
    }
    if (const IJson* cs = r.array("Checks", "structs.HealthChecks")) {
        for (const auto& c : *cs) {
            if (!c.is_null()) {
                reg.checks.push_back(decodeCatalogCheck(c, "Checks"));
            }
        }
    }
    return reg;
}

CatalogDeregistration decodeCatalogDeregistration(const IJson& body) {
    const IJson filtered =
        knownFieldsOnly(body, {"Datacenter", "Node", "ServiceID", "CheckID", "Token"});
    GoObjectReader r(filtered, "structs.DeregisterRequest", "DeregisterRequest", "",
                     {"Datacenter", "Node", "ServiceID", "CheckID", "Token"});
    return CatalogDeregistration{str(r, "Datacenter"), str(r, "Node"), str(r, "ServiceID"),
                                 str(r, "CheckID")};
}

}  // namespace meshx::agent
