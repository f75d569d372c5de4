#pragma once

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace meshx::agent {

// Request bodies keep document order so "the first unknown field" is the one Go would name.
using IJson = nlohmann::ordered_json;

// Thrown by GoObjectReader inside this module only; routes turn it into
// 400 `Request decode failed: <what()>`.
class DecodeError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// Parses the first JSON value of a request body the way Go's json.Decoder does (trailing bytes
// ignored). Errors carry Go's texts: `EOF` (empty body), `unexpected EOF`,
// `invalid character 'x' looking for beginning of value`, ... Any thread.
Result<IJson> parseGoJsonBody(std::string_view body);

// Decodes one JSON object into a Go-like struct: keys are matched to the declared field names
// case-insensitively (exact case preferred), keys matching no field are rejected
// (`json: unknown field "X"`), null counts as absent, and a wrong JSON type is reported as
// `json: cannot unmarshal string into Go struct field ServiceDefinition.Port of type int`.
class GoObjectReader {
  public:
    // `typeName` is the Go type for the top-level message (`structs.ServiceDefinition`),
    // `structName` its short name, `path` the dotted path of this object from the top ("" there).
    GoObjectReader(const IJson& value, std::string typeName, std::string structName,
                   std::string path, std::initializer_list<std::string_view> fields);

    bool has(std::string_view field) const { return get(field) != nullptr; }
    // The raw value of a declared field, nullptr when absent or null.
    const IJson* get(std::string_view field) const;

    std::optional<std::string> str(std::string_view field) const;
    std::optional<int64_t> integer(std::string_view field, std::string_view goType = "int") const;
    std::optional<bool> boolean(std::string_view field) const;
    std::optional<std::vector<std::string>> strings(std::string_view field) const;
    std::optional<std::map<std::string, std::string>> stringMap(std::string_view field) const;
    // Go duration string or a number of nanoseconds, as Consul's custom decoders accept.
    std::optional<std::chrono::nanoseconds> duration(std::string_view field) const;
    // An object field for a nested reader or a free map (throws if not an object).
    const IJson* object(std::string_view field, std::string_view goType) const;
    const IJson* array(std::string_view field, std::string_view goType) const;

    // Reader for a nested struct; throws if the value is not an object.
    GoObjectReader nested(const IJson& value, std::string_view field, std::string structName,
                          std::initializer_list<std::string_view> fields) const;

    std::string fieldPath(std::string_view field) const;
    [[noreturn]] void typeError(const IJson& value, std::string_view field,
                                std::string_view goType) const;

  private:
    std::string typeName_;
    std::string structName_;
    std::string path_;
    std::map<std::string, const IJson*, std::less<>> values_;
};

// "string", "number", "bool", "array", "object" as Go names JSON kinds in errors.
std::string goJsonKind(const IJson& value);

}  // namespace meshx::agent
