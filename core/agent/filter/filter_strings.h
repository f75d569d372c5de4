#pragma once

// Go standard-library string conversions the filter needs to reproduce go-bexpr's behaviour and
// error texts byte for byte: strconv.Quote (every %q in bexpr's messages), strconv.Unquote (string
// literals), strconv.ParseInt(s, 0, 64) and strconv.ParseBool (value coercion).
// Pure functions, any thread.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace meshx::agent::filter_strings {

// strconv.Quote: double-quoted, with Go escapes for quotes, backslashes, control characters and
// invalid UTF-8 bytes. Printable UTF-8 is kept as is.
std::string goQuote(std::string_view text);

// strconv.Unquote of a literal including its quotes: "..." (Go escapes) or `...` (raw, \r dropped).
// nullopt where Go answers ErrSyntax ("invalid syntax").
std::optional<std::string> goUnquote(std::string_view literal);

// strconv.ParseInt(text, 0, 64) / strconv.ParseBool. On failure `error` receives Go's message,
// e.g. `strconv.ParseInt: parsing "x": invalid syntax` or `... value out of range`.
std::optional<std::int64_t> parseGoInt(std::string_view text, std::string& error);
std::optional<bool> parseGoBool(std::string_view text, std::string& error);

// "line:col (offset)" as pigeon (the PEG generator behind go-bexpr) prefixes its errors: line and
// column are 1-based, the column counts UTF-8 code points, the offset counts bytes.
std::string goPosition(std::string_view text, std::size_t offset);

}  // namespace meshx::agent::filter_strings
