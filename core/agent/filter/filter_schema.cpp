#include "agent/filter/filter_schema.h"

#include <cassert>

namespace meshx::agent {

const FilterField* FilterField::field(std::string_view name) const {
    const auto it = fields.find(name);
    return it == fields.end() ? nullptr : it->second.get();
}

FilterSchema::FilterSchema(std::string name, FilterFieldPtr root)
    : name_(std::move(name)), root_(std::move(root)) {
    assert(root_ && root_->type == FilterFieldType::Object);
}

namespace filter_fields {
namespace {
FilterFieldPtr leaf(FilterFieldType type) {
    auto f = std::make_shared<FilterField>();
    f->type = type;
    return f;
}
FilterFieldPtr withFields(FilterFieldType type,
                          std::vector<std::pair<std::string, FilterFieldPtr>> fields) {
    auto f = std::make_shared<FilterField>();
    f->type = type;
    for (auto& [name, child] : fields) {
        f->fields.emplace(std::move(name), std::move(child));
    }
    return f;
}
}  // namespace

FilterFieldPtr string() {
    static const FilterFieldPtr f = leaf(FilterFieldType::String);
    return f;
}
FilterFieldPtr integer() {
    static const FilterFieldPtr f = leaf(FilterFieldType::Int);
    return f;
}
FilterFieldPtr boolean() {
    static const FilterFieldPtr f = leaf(FilterFieldType::Bool);
    return f;
}
FilterFieldPtr stringList() {
    static const FilterFieldPtr f = leaf(FilterFieldType::StringList);
    return f;
}
FilterFieldPtr mapOf(FilterFieldPtr value) {
    auto f = std::make_shared<FilterField>();
    f->type = FilterFieldType::Map;
    f->mapValue = std::move(value);
    return f;
}
FilterFieldPtr stringMap() {
    static const FilterFieldPtr f = mapOf(string());
    return f;
}
FilterFieldPtr object(std::vector<std::pair<std::string, FilterFieldPtr>> fields) {
    return withFields(FilterFieldType::Object, std::move(fields));
}
FilterFieldPtr objectList(std::vector<std::pair<std::string, FilterFieldPtr>> fields) {
    return withFields(FilterFieldType::ObjectList, std::move(fields));
}
}  // namespace filter_fields

namespace {
using namespace filter_fields;

// Shapes shared by several element types, after Consul's structs/api packages.

FilterFieldPtr weights() {
    return object({{"Passing", integer()}, {"Warning", integer()}});
}

FilterFieldPtr serviceAddressMap() {
    return mapOf(object({{"Address", string()}, {"Port", integer()}}));
}

FilterFieldPtr meshGateway() {
    return object({{"Mode", string()}});
}

FilterFieldPtr connectProxyConfig() {
    // Config (a free-form map) and EnvoyExtensions are bexpr:"-" in Consul.
    auto upstreams = objectList({
        {"DestinationType", string()},
        {"DestinationNamespace", string()},
        {"DestinationPartition", string()},
        {"DestinationPeer", string()},
        {"DestinationName", string()},
        {"Datacenter", string()},
        {"LocalBindAddress", string()},
        {"LocalBindPort", integer()},
        {"LocalBindSocketPath", string()},
        {"LocalBindSocketMode", string()},
        {"MeshGateway", meshGateway()},
    });
    auto expose = object({
        {"Checks", boolean()},
        {"Paths", objectList({{"ListenerPort", integer()},
                              {"Path", string()},
                              {"LocalPathPort", integer()},
                              {"Protocol", string()},
                              {"ParsedFromCheck", boolean()}})},
    });
    return object({
        {"DestinationServiceName", string()},
        {"DestinationServiceID", string()},
        {"LocalServiceAddress", string()},
        {"LocalServicePort", integer()},
        {"LocalServiceSocketPath", string()},
        {"Mode", string()},
        {"TransparentProxy",
         object({{"OutboundListenerPort", integer()}, {"DialedDirectly", boolean()}})},
        {"Upstreams", std::move(upstreams)},
        {"MeshGateway", meshGateway()},
        {"Expose", std::move(expose)},
    });
}

FilterFieldPtr serviceConnect() {
    return object({{"Native", boolean()}});  // SidecarService is bexpr:"-"
}

std::vector<std::pair<std::string, FilterFieldPtr>> healthCheckFields() {
    // Definition, RaftIndex and the enterprise meta are bexpr:"-".
    return {
        {"Node", string()},         {"CheckID", string()},     {"Name", string()},
        {"Status", string()},       {"Notes", string()},       {"Output", string()},
        {"ServiceID", string()},    {"ServiceName", string()}, {"ServiceTags", stringList()},
        {"Type", string()},         {"Interval", string()},    {"Timeout", string()},
        {"ExposedPort", integer()}, {"PeerName", string()},
    };
}

FilterFieldPtr intentionPermissions() {
    return objectList({
        {"Action", string()},
        {"HTTP", object({
                     {"PathExact", string()},
                     {"PathPrefix", string()},
                     {"PathRegex", string()},
                     {"Methods", stringList()},
                     {"Header", objectList({{"Name", string()},
                                            {"Present", boolean()},
                                            {"Exact", string()},
                                            {"Prefix", string()},
                                            {"Suffix", string()},
                                            {"Regex", string()},
                                            {"Invert", boolean()}})},
                 })},
    });
}

}  // namespace

const FilterSchema& FilterSchema::agentService() {
    static const FilterSchema schema("agent service", object({
                                                          {"Kind", string()},
                                                          {"ID", string()},
                                                          {"Service", string()},
                                                          {"Tags", stringList()},
                                                          {"Meta", stringMap()},
                                                          {"Port", integer()},
                                                          {"Address", string()},
                                                          {"SocketPath", string()},
                                                          {"TaggedAddresses", serviceAddressMap()},
                                                          {"Weights", weights()},
                                                          {"EnableTagOverride", boolean()},
                                                          {"Proxy", connectProxyConfig()},
                                                          {"Connect", serviceConnect()},
                                                          {"PeerName", string()},
                                                      }));
    return schema;
}

const FilterSchema& FilterSchema::healthCheck() {
    static const FilterSchema schema("health check", object(healthCheckFields()));
    return schema;
}

const FilterSchema& FilterSchema::catalogServiceNode() {
    static const FilterSchema schema("catalog service node",
                                     object({
                                         {"ID", string()},
                                         {"Node", string()},
                                         {"Address", string()},
                                         {"Datacenter", string()},
                                         {"TaggedAddresses", stringMap()},
                                         {"NodeMeta", stringMap()},
                                         {"ServiceKind", string()},
                                         {"ServiceID", string()},
                                         {"ServiceName", string()},
                                         {"ServiceTags", stringList()},
                                         {"ServiceAddress", string()},
                                         {"ServiceTaggedAddresses", serviceAddressMap()},
                                         {"ServiceWeights", weights()},
                                         {"ServiceMeta", stringMap()},
                                         {"ServicePort", integer()},
                                         {"ServiceSocketPath", string()},
                                         {"ServiceEnableTagOverride", boolean()},
                                         {"ServiceProxy", connectProxyConfig()},
                                         {"ServiceConnect", serviceConnect()},
                                         {"PeerName", string()},
                                     }));
    return schema;
}

const FilterSchema& FilterSchema::healthServiceEntry() {
    static const FilterSchema schema("health service entry",
                                     object({
                                         {"Node", object({
                                                      {"ID", string()},
                                                      {"Node", string()},
                                                      {"Address", string()},
                                                      {"Datacenter", string()},
                                                      {"TaggedAddresses", stringMap()},
                                                      {"Meta", stringMap()},
                                                      {"PeerName", string()},
                                                  })},
                                         {"Service", object({
                                                         {"Kind", string()},
                                                         {"ID", string()},
                                                         {"Service", string()},
                                                         {"Tags", stringList()},
                                                         {"Address", string()},
                                                         {"TaggedAddresses", serviceAddressMap()},
                                                         {"Meta", stringMap()},
                                                         {"Port", integer()},
                                                         {"SocketPath", string()},
                                                         {"Weights", weights()},
                                                         {"EnableTagOverride", boolean()},
                                                         {"Proxy", connectProxyConfig()},
                                                         {"Connect", serviceConnect()},
                                                         {"PeerName", string()},
                                                     })},
                                         {"Checks", objectList(healthCheckFields())},
                                     }));
    return schema;
}

const FilterSchema& FilterSchema::intention() {
    static const FilterSchema schema("intention", object({
                                                      {"ID", string()},
                                                      {"Description", string()},
                                                      {"SourcePeer", string()},
                                                      {"SourceNS", string()},
                                                      {"SourceName", string()},
                                                      {"DestinationNS", string()},
                                                      {"DestinationName", string()},
                                                      {"SourcePartition", string()},
                                                      {"DestinationPartition", string()},
                                                      {"SourceType", string()},
                                                      {"Action", string()},
                                                      {"Permissions", intentionPermissions()},
                                                      {"Precedence", integer()},
                                                      {"Meta", stringMap()},
                                                  }));
    return schema;
}

}  // namespace meshx::agent
