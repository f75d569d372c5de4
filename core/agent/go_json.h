#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace meshx::agent {

// Response bodies are built as ordered_json so fields come out in Go's struct declaration order;
// maps that Go sorts are filled in sorted order by the caller.
using OJson = nlohmann::ordered_json;

// Encodes like Go's encoding/json: `<`, `>`, `&`, U+2028 and U+2029 escaped as \u003c ...;
// `pretty` indents with 4 spaces and appends a newline (what `?pretty` and -dev agents do).
// Invalid UTF-8 is replaced, never thrown. Any thread.
std::string encodeGoJson(const OJson& value, bool pretty);

}  // namespace meshx::agent
