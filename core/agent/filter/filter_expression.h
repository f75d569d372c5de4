#pragma once

#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "agent/filter/filter_schema.h"
#include "common/result.h"

namespace meshx::agent {

namespace detail {
struct FilterNode;
}

// A parsed and validated `?filter=` expression (go-bexpr v0.1, the version Consul pins), ready
// to test elements of one type. See consul-api-subset.md §1.9.
//
//   auto filter = FilterExpression::parse(query, FilterSchema::agentService());
//   if (!filter) return http500("Failed to create boolean expression evaluator: " +
//                               filter.error().message);
//   for (auto& [id, svc] : services) { auto keep = filter->matches(svc); ... }
//
// Operators: == != (string, number, bool); in / not in and contains / not contains (substring
// of a string, member of a string list, key of a map); is empty / is not empty (lists, maps);
// matches / not matches (strings; std::regex ECMAScript standing in for RE2, see
// filter_validator.h); and / or / not with parentheses, `not` binding tightest, then `and`.
// Selectors are JSON keys joined by dots, map keys also as Meta["team-a"].
//
// Thread safety: immutable after parse(); copies share the tree; matches() may run on any
// number of threads at once.
class FilterExpression {
  public:
    // Matches every element (what an empty `?filter=` means).
    FilterExpression() = default;

    // Parses `text` and validates it against `schema` (unknown selectors, operators the field
    // type does not allow, values that do not coerce, bad regular expressions). Empty text gives
    // the match-everything filter, as Consul ignores an empty filter; whitespace alone is a
    // syntax error. Errors carry the detail Consul prints after
    // "Failed to create boolean expression evaluator: ": Code::ParseError for syntax
    // (`1:10 (9): no match found, expected: "and", "or", [ \t\r\n] or EOF`), Code::InvalidArgument
    // for validation (`Selector "Foo" is not valid`, `Invalid match operator "Equal" for selector
    // "Tags"`).
    static Result<FilterExpression> parse(std::string_view text, const FilterSchema& schema);

    // Whether `element` (one value of the listing, shaped like the schema) passes. Fails only when
    // the element contradicts the schema (e.g. a string where a number belongs): Code::Internal,
    // which the agent reports as a 500 with the bare message.
    Result<bool> matches(const nlohmann::json& element) const;

    // The `Selector == "value"` terms every passing element must satisfy (the root match, or
    // the direct children of a root `and`), for string selectors and non-empty values; selector
    // parts joined by '.'. A listing may skip an element whose field differs from one of them
    // without rendering it (an absent string compares as ""): the agent's sidecar lookups filter
    // 2,000 services per call at 1,000 sidecars, and rendering each was O(N^2) in a batch start.
    std::vector<std::pair<std::string, std::string>> requiredEquals() const;

    // True for the empty filter.
    bool matchesEverything() const { return root_ == nullptr; }
    const std::string& text() const { return text_; }

  private:
    std::string text_;
    std::shared_ptr<const detail::FilterNode> root_;
    FilterFieldPtr schemaRoot_;  // keeps the fields the tree points into alive
};

}  // namespace meshx::agent
