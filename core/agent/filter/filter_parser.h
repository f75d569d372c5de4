#pragma once

#include <memory>
#include <string_view>

#include "agent/filter/filter_ast.h"
#include "common/result.h"

namespace meshx::agent::detail {

// Deepest nesting of parentheses and `not` accepted. go-bexpr has no limit (Go stacks grow);
// ours keeps hostile input such as 100k '(' from exhausting the stack. Real filters nest a few
// levels.
inline constexpr int kMaxFilterDepth = 100;

// Hand-written recursive-descent parser for go-bexpr v0.1's grammar (Consul's `?filter=`):
//
//   expr     := and_expr ( "or" and_expr )*
//   and_expr := not_expr ( "and" not_expr )*
//   not_expr := "not" not_expr | "(" expr ")" | match
//   match    := selector ("==" | "!=") value     | selector ["not"] ("contains" | "matches") value
//             | selector "is" ["not"] "empty"    | value ["not"] "in" selector
//   selector := ident ( "." ident | "[" string "]" )*
//   value    := selector-looking word | number | "string" | `raw string`
//
// Whitespace rules follow the PEG: word operators need whitespace on both sides, `==`/`!=`/
// parentheses do not, and no whitespace is allowed inside a selector.
//
// Errors (Code::ParseError) read like go-bexpr's, position first:
//   1:12 (11): rule "string": Unterminated string literal
//   1:10 (9): no match found, expected: "and", "or", [ \t\r\n] or EOF
// The "expected" lists are close to pigeon's, not always identical.
// Pure function, any thread.
Result<std::unique_ptr<FilterNode>> parseFilter(std::string_view text);

}  // namespace meshx::agent::detail
