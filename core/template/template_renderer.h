#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace meshx::tmpl {

// Renders *structured* templates: JSON values whose string leaves are Mustache templates.
//
//   hash     {"string_key":"123abc","int_key":123}
//   template {"string":"{{string_key}}","int":"{{$int_key$}}","static":"static_string"}
//   result   {"string":"123abc","int":123,"static":"static_string"}
//
// - A string leaf that is exactly "{{$key$}}" becomes the typed JSON value of `key` (number,
//   bool, object...), not its text. Inside a longer string `{{$key$}}` renders as text.
// - A name the hash does not have is an error naming it (MissingKey), never an empty string, as
//   the original's raise-on-context-miss.
// - No HTML escaping: `a&b` stays `a&b`; JSON escaping happens when the result is serialised, so
//   the output always parses whatever the values hold.
// Object keys are not templates. Any thread; renders are serialised internally because mstch keeps
// its escape function in a global.
class TemplateRenderer {
  public:
    explicit TemplateRenderer(nlohmann::json hash);

    Result<nlohmann::json> render(const nlohmann::json& tmpl) const;
    Result<std::string> renderString(const std::string& tmpl) const;
    Result<std::vector<std::string>> renderArgv(const std::vector<std::string>& argv) const;

    // Parses template text as JSON (ParseError with the parser's position on failure).
    static Result<nlohmann::json> parseJson(const std::string& text);

    const nlohmann::json& hash() const { return hash_; }

  private:
    Result<nlohmann::json> renderValue(const nlohmann::json& node, const std::string& where) const;

    nlohmann::json hash_;
};

}  // namespace meshx::tmpl
