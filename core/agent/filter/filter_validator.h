#pragma once

#include <string_view>

#include "agent/filter/filter_ast.h"
#include "agent/filter/filter_schema.h"
#include "common/result.h"

namespace meshx::agent::detail {

// Longest regular expression accepted by `matches`, and the largest expansion of counted
// repetitions (`(ab){100}` costs 200). std::regex compiles recursively and expands repetitions
// into copies, so unbounded patterns could exhaust the stack or memory; RE2 has similar limits.
inline constexpr std::size_t kMaxRegexLength = 1024;
inline constexpr std::size_t kMaxRegexSize = 5000;

// go-bexpr v0.1 validates the whole expression against the element type before evaluating it;
// this is that pass. Walks the tree left to right and stops at the first problem, with
// go-bexpr's wording (Code::InvalidArgument):
//   Selector "Proxy.Foo" is not valid
//   Invalid match operator "Equal" for selector "Tags"
//   Failed to coerce value "x" for selector "Port": strconv.ParseInt: parsing "x": invalid syntax
//   Failed to compile regular expression "(": <reason>
// On success every MatchExpr has its schema fields, coerced value and compiled regex filled in.
// Any thread.
Status validateFilter(FilterNode& root, const FilterSchema& schema);

// Compiles a `matches` pattern. std::regex ECMAScript stands in for Go's RE2: the common syntax
// (classes, anchors, alternation, counted repetition) agrees, but RE2's inline flags `(?i)`,
// `\A`/`\z` and `(?P<name>)` are rejected here while ECMAScript's lookahead and back-references
// (the latter refused below too) do not exist in RE2. With libstdc++ the polynomial (breadth-
// first) matcher is used, so matching time stays linear in the subject like RE2's.
Result<std::shared_ptr<const std::regex>> compileFilterRegex(std::string_view pattern);

}  // namespace meshx::agent::detail
