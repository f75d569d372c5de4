#include "consul/decode.h"

#include <algorithm>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace meshx::consul {

using nlohmann::json;

namespace {

// Thrown by the readers below, caught once per decode call and turned into an Error.
struct DecodeError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

[[noreturn]] void fail(const char* key, const char* expected) {
    throw DecodeError(std::string("field '") + key + "' is not " + expected);
}

// nullptr when the key is absent or null: Consul omits empty fields and older versions send
// null where newer ones send [] or {}.
const json* find(const json& o, const char* key) {
    if (!o.is_object()) {
        return nullptr;
    }
    auto it = o.find(key);
    if (it == o.end() || it->is_null()) {
        return nullptr;
    }
    return &*it;
}

std::string str(const json& o, const char* key) {
    const json* v = find(o, key);
    if (!v) {
        return {};
    }
    if (!v->is_string()) {
        fail(key, "a string");
    }
    return v->get<std::string>();
}

int64_t integer(const json& o, const char* key) {
    const json* v = find(o, key);
    if (!v) {
        return 0;
    }
    if (!v->is_number_integer()) {
        fail(key, "an integer");
    }
    return v->get<int64_t>();
}

int int32(const json& o, const char* key) {
    const int64_t v = integer(o, key);
    if (v < INT32_MIN || v > INT32_MAX) {
        fail(key, "a 32-bit integer");
    }
    return static_cast<int>(v);
}

uint64_t uinteger(const json& o, const char* key) {
    const json* v = find(o, key);
    if (!v) {
        return 0;
    }
    if (!v->is_number_unsigned() && !(v->is_number_integer() && v->get<int64_t>() >= 0)) {
        fail(key, "an unsigned integer");
    }
    return v->get<uint64_t>();
}

bool boolean(const json& o, const char* key) {
    const json* v = find(o, key);
    if (!v) {
        return false;
    }
    if (!v->is_boolean()) {
        fail(key, "a boolean");
    }
    return v->get<bool>();
}

std::vector<std::string> strings(const json& o, const char* key) {
    std::vector<std::string> out;
    const json* v = find(o, key);
    if (!v) {
        return out;
    }
    if (!v->is_array()) {
        fail(key, "a list of strings");
    }
    for (const auto& item : *v) {
        if (!item.is_string()) {
            fail(key, "a list of strings");
        }
        out.push_back(item.get<std::string>());
    }
    return out;
}

std::map<std::string, std::string> stringMap(const json& o, const char* key) {
    std::map<std::string, std::string> out;
    const json* v = find(o, key);
    if (!v) {
        return out;
    }
    if (!v->is_object()) {
        fail(key, "a map of strings");
    }
    for (auto it = v->begin(); it != v->end(); ++it) {
        if (!it->is_string()) {
            fail(key, "a map of strings");
        }
        out.emplace(it.key(), it->get<std::string>());
    }
    return out;
}

const json& object(const json& o, const char* key) {
    static const json kEmpty = json::object();
    const json* v = find(o, key);
    if (!v) {
        return kEmpty;
    }
    if (!v->is_object()) {
        fail(key, "an object");
    }
    return *v;
}

const json& array(const json& o, const char* key) {
    static const json kEmpty = json::array();
    const json* v = find(o, key);
    if (!v) {
        return kEmpty;
    }
    if (!v->is_array()) {
        fail(key, "a list");
    }
    return *v;
}

void expectObject(const json& j, const char* what) {
    if (!j.is_object()) {
        throw DecodeError(std::string(what) + " is not a JSON object");
    }
}

void expectArray(const json& j, const char* what) {
    if (!j.is_array()) {
        throw DecodeError(std::string(what) + " is not a JSON list");
    }
}

template <typename F>
auto guarded(const char* what, F&& f) -> Result<decltype(f())> {
    try {
        return f();
    } catch (const DecodeError& e) {
        return makeError(Code::ProtocolError, std::string(what) + ": " + e.what());
    } catch (const json::exception& e) {
        // nlohmann's messages name types and positions, not values.
        return makeError(Code::ProtocolError, std::string(what) + ": " + e.what());
    }
}

Upstream readUpstream(const json& j) {
    expectObject(j, "upstream");
    Upstream u;
    u.destinationType = str(j, "DestinationType");
    u.destinationName = str(j, "DestinationName");
    u.destinationNamespace = str(j, "DestinationNamespace");
    u.datacenter = str(j, "Datacenter");
    u.localBindAddress = str(j, "LocalBindAddress");
    u.localBindPort = int32(j, "LocalBindPort");
    u.localBindSocketPath = str(j, "LocalBindSocketPath");
    u.config = object(j, "Config");
    return u;
}

ProxyConfig readProxy(const json& j) {
    ProxyConfig p;
    p.destinationServiceName = str(j, "DestinationServiceName");
    p.destinationServiceId = str(j, "DestinationServiceID");
    p.localServiceAddress = str(j, "LocalServiceAddress");
    p.localServicePort = int32(j, "LocalServicePort");
    p.localServiceSocketPath = str(j, "LocalServiceSocketPath");
    p.mode = str(j, "Mode");
    p.config = object(j, "Config");
    for (const auto& u : array(j, "Upstreams")) {
        p.upstreams.push_back(readUpstream(u));
    }
    return p;
}

AgentService readService(const json& j) {
    expectObject(j, "service");
    AgentService s;
    s.kind = str(j, "Kind");
    s.id = str(j, "ID");
    s.service = str(j, "Service");
    s.tags = strings(j, "Tags");
    s.meta = stringMap(j, "Meta");
    s.port = int32(j, "Port");
    s.address = str(j, "Address");
    s.socketPath = str(j, "SocketPath");
    const json& weights = object(j, "Weights");
    if (!weights.empty()) {
        s.weightPassing = int32(weights, "Passing");
        s.weightWarning = int32(weights, "Warning");
    }
    s.enableTagOverride = boolean(j, "EnableTagOverride");
    if (const json* proxy = find(j, "Proxy")) {
        if (!proxy->is_object()) {
            fail("Proxy", "an object");
        }
        s.proxy = readProxy(*proxy);
    }
    s.connectNative = boolean(object(j, "Connect"), "Native");
    s.datacenter = str(j, "Datacenter");
    s.contentHash = str(j, "ContentHash");
    s.createIndex = uinteger(j, "CreateIndex");
    s.modifyIndex = uinteger(j, "ModifyIndex");
    s.raw = j;
    return s;
}

HealthCheck readCheck(const json& j) {
    expectObject(j, "check");
    HealthCheck c;
    c.node = str(j, "Node");
    c.checkId = str(j, "CheckID");
    c.name = str(j, "Name");
    c.status = str(j, "Status");
    c.notes = str(j, "Notes");
    c.output = str(j, "Output");
    c.serviceId = str(j, "ServiceID");
    c.serviceName = str(j, "ServiceName");
    c.serviceTags = strings(j, "ServiceTags");
    c.type = str(j, "Type");
    c.createIndex = uinteger(j, "CreateIndex");
    c.modifyIndex = uinteger(j, "ModifyIndex");
    return c;
}

// A catalog node as /catalog/nodes and /health/service entries both carry it.
Node readNode(const json& j) {
    Node n;
    n.id = str(j, "ID");
    n.node = str(j, "Node");
    n.address = str(j, "Address");
    n.datacenter = str(j, "Datacenter");
    n.taggedAddresses = stringMap(j, "TaggedAddresses");
    n.meta = stringMap(j, "Meta");
    return n;
}

std::vector<HealthCheck> readChecks(const json& j, const char* key) {
    std::vector<HealthCheck> out;
    for (const auto& c : array(j, key)) {
        out.push_back(readCheck(c));
    }
    return out;
}

AgentServiceHealth readServiceHealth(const json& j, int httpStatus) {
    expectObject(j, "service health");
    AgentServiceHealth h;
    h.httpStatus = httpStatus;
    h.aggregatedStatus = str(j, "AggregatedStatus");
    if (const json* service = find(j, "Service")) {
        h.service = readService(*service);
    }
    h.checks = readChecks(j, "Checks");
    return h;
}

Intention readIntention(const json& j) {
    expectObject(j, "intention");
    Intention i;
    i.id = str(j, "ID");
    i.description = str(j, "Description");
    i.sourceNs = str(j, "SourceNS");
    i.sourceName = str(j, "SourceName");
    i.destinationNs = str(j, "DestinationNS");
    i.destinationName = str(j, "DestinationName");
    i.sourceType = str(j, "SourceType");
    i.action = str(j, "Action");
    i.permissions = array(j, "Permissions");
    i.precedence = int32(j, "Precedence");
    i.meta = stringMap(j, "Meta");
    i.createIndex = uinteger(j, "CreateIndex");
    i.modifyIndex = uinteger(j, "ModifyIndex");
    i.raw = j;
    return i;
}

// Parses an agent health body; older agents answer a 404 in plain text.
json healthBody(const Response& response, json fallback) {
    auto parsed = json::parse(response.body, nullptr, false);
    if (parsed.is_discarded()) {
        if (response.status == 404) {
            return fallback;
        }
        throw DecodeError("body is not JSON");
    }
    return parsed;
}

}  // namespace

int healthStatusCode(const std::string& aggregatedStatus) {
    if (aggregatedStatus == "passing") {
        return 200;
    }
    if (aggregatedStatus == "warning") {
        return 429;
    }
    return 503;
}

std::string healthStatusWord(int httpStatus) {
    switch (httpStatus) {
        case 200:
            return "passing";
        case 429:
            return "warning";
        default:
            return "critical";
    }
}

nlohmann::json AgentService::toRegistration() const {
    json out = raw.is_object() ? raw : json::object();
    for (const char* key :
         {"ContentHash", "Datacenter", "Service", "CreateIndex", "ModifyIndex", "PeerName"}) {
        out.erase(key);
    }
    out["Name"] = service;
    return out;
}

const CaRoot* CaRoots::active() const {
    for (const auto& root : roots) {
        if (!activeRootId.empty() ? root.id == activeRootId : root.active) {
            return &root;
        }
    }
    return nullptr;
}

Result<AgentSelf> decodeAgentSelf(const json& j) {
    return guarded("agent self", [&] {
        expectObject(j, "agent self");
        const json& config = object(j, "Config");
        AgentSelf self;
        self.datacenter = str(config, "Datacenter");
        self.nodeName = str(config, "NodeName");
        self.nodeId = str(config, "NodeID");
        self.version = str(config, "Version");
        self.raw = j;
        return self;
    });
}

Result<AgentService> decodeAgentService(const json& j) {
    return guarded("agent service", [&] { return readService(j); });
}

Result<std::map<std::string, AgentService>> decodeAgentServices(const json& j) {
    return guarded("agent services", [&] {
        expectObject(j, "agent services");
        std::map<std::string, AgentService> out;
        for (auto it = j.begin(); it != j.end(); ++it) {
            out.emplace(it.key(), readService(*it));
        }
        return out;
    });
}

Result<HealthCheck> decodeHealthCheck(const json& j) {
    return guarded("health check", [&] { return readCheck(j); });
}

Result<std::vector<HealthCheck>> decodeHealthChecks(const json& j) {
    return guarded("health checks", [&] {
        expectArray(j, "health checks");
        std::vector<HealthCheck> out;
        out.reserve(j.size());
        for (const auto& c : j) {
            out.push_back(readCheck(c));
        }
        return out;
    });
}

Result<std::map<std::string, HealthCheck>> decodeAgentChecks(const json& j) {
    return guarded("agent checks", [&] {
        expectObject(j, "agent checks");
        std::map<std::string, HealthCheck> out;
        for (auto it = j.begin(); it != j.end(); ++it) {
            out.emplace(it.key(), readCheck(*it));
        }
        return out;
    });
}

Result<AgentServiceHealth> decodeAgentServiceHealth(const Response& response) {
    return guarded("agent service health", [&] {
        json fallback = {
            {"AggregatedStatus", "critical"}, {"Service", nullptr}, {"Checks", nullptr}};
        return readServiceHealth(healthBody(response, fallback), response.status);
    });
}

Result<AgentServicesHealth> decodeAgentServicesHealth(const Response& response) {
    return guarded("agent services health", [&] {
        json body = healthBody(response, json::array());
        expectArray(body, "agent services health");
        AgentServicesHealth out;
        out.httpStatus = response.status;
        for (const auto& item : body) {
            auto h = readServiceHealth(item, 0);
            h.httpStatus = healthStatusCode(h.aggregatedStatus);
            out.instances.push_back(std::move(h));
        }
        // The endpoint's own status is the worst instance's; the word follows it, except that
        // "maintenance" (also 503) is kept when an instance reports it.
        out.aggregatedStatus =
            response.status == 404 ? "critical" : healthStatusWord(response.status);
        for (const auto& h : out.instances) {
            if (h.aggregatedStatus == "maintenance") {
                out.aggregatedStatus = "maintenance";
            }
        }
        return out;
    });
}

Result<std::map<std::string, std::vector<std::string>>> decodeCatalogServices(const json& j) {
    return guarded("catalog services", [&] {
        expectObject(j, "catalog services");
        std::map<std::string, std::vector<std::string>> out;
        for (auto it = j.begin(); it != j.end(); ++it) {
            json wrapper = {{"Tags", *it}};
            out.emplace(it.key(), strings(wrapper, "Tags"));
        }
        return out;
    });
}

Result<std::vector<CatalogServiceNode>> decodeCatalogService(const json& j) {
    return guarded("catalog service", [&] {
        expectArray(j, "catalog service");
        std::vector<CatalogServiceNode> out;
        for (const auto& e : j) {
            expectObject(e, "service node");
            CatalogServiceNode n;
            n.id = str(e, "ID");
            n.node = str(e, "Node");
            n.address = str(e, "Address");
            n.datacenter = str(e, "Datacenter");
            n.nodeMeta = stringMap(e, "NodeMeta");
            n.serviceKind = str(e, "ServiceKind");
            n.serviceId = str(e, "ServiceID");
            n.serviceName = str(e, "ServiceName");
            n.serviceTags = strings(e, "ServiceTags");
            n.serviceAddress = str(e, "ServiceAddress");
            n.serviceMeta = stringMap(e, "ServiceMeta");
            n.servicePort = int32(e, "ServicePort");
            n.createIndex = uinteger(e, "CreateIndex");
            n.modifyIndex = uinteger(e, "ModifyIndex");
            n.raw = e;
            out.push_back(std::move(n));
        }
        return out;
    });
}

Result<std::vector<ServiceEntry>> decodeServiceEntries(const json& j) {
    return guarded("health service", [&] {
        expectArray(j, "health service");
        std::vector<ServiceEntry> out;
        for (const auto& e : j) {
            expectObject(e, "health entry");
            ServiceEntry entry;
            entry.node = readNode(object(e, "Node"));
            entry.service = readService(object(e, "Service"));
            entry.checks = readChecks(e, "Checks");
            out.push_back(std::move(entry));
        }
        return out;
    });
}

Result<std::vector<Node>> decodeNodes(const json& j) {
    return guarded("catalog nodes", [&] {
        expectArray(j, "catalog nodes");
        std::vector<Node> out;
        for (const auto& e : j) {
            expectObject(e, "node");
            out.push_back(readNode(e));
        }
        return out;
    });
}

Result<std::vector<std::string>> decodeStrings(const json& j) {
    return guarded("string list", [&] {
        json wrapper = {{"List", j}};
        return strings(wrapper, "List");
    });
}

Result<CaRoots> decodeCaRoots(const json& j) {
    return guarded("CA roots", [&] {
        expectObject(j, "CA roots");
        CaRoots out;
        out.activeRootId = str(j, "ActiveRootID");
        out.trustDomain = str(j, "TrustDomain");
        for (const auto& r : array(j, "Roots")) {
            expectObject(r, "root");
            CaRoot root;
            root.id = str(r, "ID");
            root.name = str(r, "Name");
            root.serialNumber = uinteger(r, "SerialNumber");
            root.signingKeyId = str(r, "SigningKeyID");
            root.notBefore = str(r, "NotBefore");
            root.notAfter = str(r, "NotAfter");
            root.rootCertPem = str(r, "RootCert");
            root.intermediateCertsPem = strings(r, "IntermediateCerts");
            root.active = boolean(r, "Active");
            root.privateKeyType = str(r, "PrivateKeyType");
            root.privateKeyBits = int32(r, "PrivateKeyBits");
            root.createIndex = uinteger(r, "CreateIndex");
            root.modifyIndex = uinteger(r, "ModifyIndex");
            out.roots.push_back(std::move(root));
        }
        return out;
    });
}

Result<LeafCert> decodeLeafCert(const json& j) {
    return guarded("leaf certificate", [&] {
        expectObject(j, "leaf certificate");
        LeafCert leaf;
        leaf.serialNumber = str(j, "SerialNumber");
        leaf.certPem = str(j, "CertPEM");
        leaf.privateKeyPem = str(j, "PrivateKeyPEM");
        leaf.service = str(j, "Service");
        leaf.serviceUri = str(j, "ServiceURI");
        leaf.validAfter = str(j, "ValidAfter");
        leaf.validBefore = str(j, "ValidBefore");
        leaf.createIndex = uinteger(j, "CreateIndex");
        leaf.modifyIndex = uinteger(j, "ModifyIndex");
        return leaf;
    });
}

Result<AuthorizeResult> decodeAuthorize(const json& j) {
    return guarded("authorize", [&] {
        expectObject(j, "authorize");
        return AuthorizeResult{boolean(j, "Authorized"), str(j, "Reason")};
    });
}

Result<Intention> decodeIntention(const json& j) {
    return guarded("intention", [&] { return readIntention(j); });
}

Result<std::vector<Intention>> decodeIntentions(const json& j) {
    return guarded("intentions", [&] {
        expectArray(j, "intentions");
        std::vector<Intention> out;
        for (const auto& i : j) {
            out.push_back(readIntention(i));
        }
        return out;
    });
}

Result<std::map<std::string, std::vector<Intention>>> decodeIntentionMatch(const json& j) {
    return guarded("intention match", [&] {
        expectObject(j, "intention match");
        std::map<std::string, std::vector<Intention>> out;
        for (auto it = j.begin(); it != j.end(); ++it) {
            expectArray(*it, "intention match entry");
            auto& list = out[it.key()];
            for (const auto& i : *it) {
                list.push_back(readIntention(i));
            }
        }
        return out;
    });
}

}  // namespace meshx::consul
