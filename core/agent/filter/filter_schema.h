#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace meshx::agent {

// The type of one selectable field. go-bexpr v0.1 derives these from Consul's Go structs by
// reflection; we spell them out. The type decides which match operators are allowed:
//
//   String      ==  !=  in/contains (substring)  matches (regex)  and the negations
//   Int, Bool   ==  !=                            (the literal is coerced: Port == 8080)
//   StringList  in/contains (membership)  is empty  and the negations
//   Map         in/contains (key present)  is empty  and the negations; Meta.<key> selects a value
//   ObjectList  is empty  is not empty; Checks.Status selects inside every item ("any item")
//   Object      nothing on the object itself; Proxy.DestinationServiceName selects inside
enum class FilterFieldType { String, Int, Bool, StringList, Map, ObjectList, Object };

// One node of a schema tree. Immutable once built; shared between schemas.
struct FilterField {
    FilterFieldType type = FilterFieldType::String;
    // Object and ObjectList: the selectable fields of the object (of each item).
    std::map<std::string, std::shared_ptr<const FilterField>, std::less<>> fields;
    // Map: the type of every value (Meta.<key> is a String); null when values are not selectable.
    std::shared_ptr<const FilterField> mapValue;

    const FilterField* field(std::string_view name) const;
};

using FilterFieldPtr = std::shared_ptr<const FilterField>;

// Which selectors exist for one kind of element the agent filters, and their types. Selector
// names are the JSON keys, case-sensitive. Fields Consul hides from go-bexpr (`bexpr:"-"`:
// CreateIndex/ModifyIndex, ContentHash, Datacenter/Namespace/Partition of agent services,
// Proxy.Config, check Definition, ...) are absent, so selecting them fails as it does on Consul.
//
// Thread safety: immutable; the factories return process-lifetime singletons (any thread).
class FilterSchema {
  public:
    // Values of GET /v1/agent/services (api.AgentService).
    static const FilterSchema& agentService();
    // Values of GET /v1/agent/checks and elements of /v1/health/checks/:name and
    // /v1/health/state/:state (structs.HealthCheck).
    static const FilterSchema& healthCheck();
    // Elements of GET /v1/catalog/service/:name (structs.ServiceNode); Consul also filters
    // /v1/catalog/services with it.
    static const FilterSchema& catalogServiceNode();
    // Elements {Node, Service, Checks} of /v1/health/service/:name and /v1/health/connect/:name
    // (structs.CheckServiceNode).
    static const FilterSchema& healthServiceEntry();
    // Elements of GET /v1/connect/intentions (structs.Intention).
    static const FilterSchema& intention();

    // A schema for any other element shape (tests, future endpoints): `root` must be an Object.
    FilterSchema(std::string name, FilterFieldPtr root);

    // Short name for diagnostics, e.g. "agent service".
    const std::string& name() const { return name_; }
    const FilterField& root() const { return *root_; }
    const FilterFieldPtr& rootPtr() const { return root_; }

  private:
    std::string name_;
    FilterFieldPtr root_;
};

// Builders for schema trees (used by the factories and by tests).
namespace filter_fields {
FilterFieldPtr string();
FilterFieldPtr integer();
FilterFieldPtr boolean();
FilterFieldPtr stringList();
FilterFieldPtr stringMap();
FilterFieldPtr mapOf(FilterFieldPtr value);
FilterFieldPtr object(std::vector<std::pair<std::string, FilterFieldPtr>> fields);
FilterFieldPtr objectList(std::vector<std::pair<std::string, FilterFieldPtr>> fields);
}  // namespace filter_fields

}  // namespace meshx::agent
