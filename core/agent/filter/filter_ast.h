#pragma once

// Syntax tree of a filter expression. Internal to meshx_agent_filter (parser → validator →
// evaluator); the public face is FilterExpression.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "agent/filter/filter_schema.h"

namespace meshx::agent::detail {

// go-bexpr's match operators; `contains` is `in` with the operands swapped.
enum class MatchOp { Equal, NotEqual, In, NotIn, IsEmpty, IsNotEmpty, Matches, NotMatches };

// go-bexpr's MatchOperator.String(), quoted in "Invalid match operator" errors.
std::string_view matchOpName(MatchOp op);

// What an operator yields when its selector walks into a missing map key or an absent object
// (go-bexpr's NotPresentDisposition): nothing equals, contains or matches what is not there.
bool notPresentResult(MatchOp op);

struct MatchExpr {
    std::vector<std::string> selector;  // path parts; Meta["team-a"] is {"Meta", "team-a"}
    MatchOp op = MatchOp::Equal;
    bool hasValue = false;
    std::string raw;  // the value as written (unquoted), or a selector-looking word joined by '.'

    // Filled by validation against the schema: the field of every selector part, then the value
    // coerced to the leaf type.
    std::vector<const FilterField*> fields;
    std::int64_t intValue = 0;
    bool boolValue = false;
    std::shared_ptr<const std::regex> regex;
};

struct FilterNode {
    enum class Kind { And, Or, Not, Match };
    Kind kind = Kind::Match;
    // And/Or are n-ary so a long chain `a or b or c ...` stays one level deep (bounded recursion
    // in the evaluator and the destructor); Not has exactly one child.
    std::vector<std::unique_ptr<FilterNode>> children;
    std::unique_ptr<MatchExpr> match;
};

// "Proxy.DestinationServiceName": go-bexpr prints selectors joined by dots (index keys included).
std::string joinSelector(const std::vector<std::string>& parts, std::size_t count);

}  // namespace meshx::agent::detail
