#pragma once

// Compares the *shape* of two JSON documents (field names and JSON types, recursively): values
// may differ. Fixture `null` matches anything; a fixture `{}` is a free map (any object).
// Keys of the fixture must all be present; extra keys are an error unless their dotted path
// (array indices written as []) is listed in `allowedExtra`, or they sit under a key named in
// `freeMaps` (Meta, TaggedAddresses, ...: user maps whose keys are data, not fields).

#include <nlohmann/json.hpp>

#include <set>
#include <string>
#include <vector>

struct ShapeRules {
    std::set<std::string> allowedExtra;
    std::set<std::string> freeMaps{"Meta",   "NodeMeta", "ServiceMeta", "TaggedAddresses",
                                   "Config", "Tags",     "Stats",       "DebugConfig"};
};

inline std::string jsonKind(const nlohmann::json& v) {
    if (v.is_null())
        return "null";
    if (v.is_boolean())
        return "bool";
    if (v.is_number())
        return "number";
    if (v.is_string())
        return "string";
    if (v.is_array())
        return "array";
    return "object";
}

inline void compareShape(const nlohmann::json& fixture, const nlohmann::json& ours,
                         const std::string& path, const std::string& key, const ShapeRules& rules,
                         std::vector<std::string>& problems) {
    if (fixture.is_null()) {
        return;
    }
    if (jsonKind(fixture) != jsonKind(ours)) {
        problems.push_back(path + ": fixture " + jsonKind(fixture) + ", ours " + jsonKind(ours));
        return;
    }
    if (fixture.is_object() && rules.freeMaps.count(key) != 0) {
        return;  // user data: its keys and values are not fields
    }
    if (fixture.is_object()) {
        const bool free = fixture.empty();
        for (auto it = fixture.begin(); it != fixture.end(); ++it) {
            if (!ours.contains(it.key())) {
                if (!free) {
                    problems.push_back(path + "." + it.key() + ": missing");
                }
                continue;
            }
            compareShape(it.value(), ours.at(it.key()), path + "." + it.key(), it.key(), rules,
                         problems);
        }
        if (!free) {
            for (auto it = ours.begin(); it != ours.end(); ++it) {
                const std::string p = path + "." + it.key();
                if (!fixture.contains(it.key()) && rules.allowedExtra.count(p) == 0) {
                    problems.push_back(p + ": not in the fixture");
                }
            }
        }
    } else if (fixture.is_array() && !fixture.empty()) {
        if (ours.empty() && path == "$") {
            // Nested lists may be empty (tags, checks); a top-level one would prove nothing.
            problems.push_back(path + ": empty, the fixture has elements");
        }
        for (size_t i = 0; i < ours.size(); ++i) {
            const auto& f = fixture.at(std::min(i, fixture.size() - 1));
            compareShape(f, ours.at(i), path + "[]", key, rules, problems);
        }
    }
}
