#pragma once

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace meshx::agent {

// Response bodies are built as ordered_json so fields come out in Go's struct declaration order;
// maps that Go sorts are filled in sorted order by the caller.
using OJson = nlohmann::ordered_json;

// Appends a member to a JSON object without the duplicate-key search ordered_json does on
// every insertion (quadratic for big maps). The caller guarantees `key` is new; filling in
// sorted key order gives Go's sorted maps.
// ordered_json keeps members in a vector of pair<const string, json>, whose move may throw:
// growing it deep-copies every member. Reserve first when the count is known.
inline void reserveMembers(OJson& object, size_t count) {
    object.get_ref<OJson::object_t&>().reserve(count);
}

inline void appendMember(OJson& object, std::string key, OJson value) {
    auto& members = object.get_ref<OJson::object_t&>();
    static_cast<std::vector<std::pair<const std::string, OJson>>&>(members).emplace_back(
        std::move(key), std::move(value));
}

// Encodes like Go's encoding/json: `<`, `>`, `&`, U+2028 and U+2029 escaped as \u003c ...;
// `pretty` indents with 4 spaces and appends a newline (what `?pretty` and -dev agents do).
// Invalid UTF-8 is replaced, never thrown. Any thread.
std::string encodeGoJson(const OJson& value, bool pretty);

}  // namespace meshx::agent
