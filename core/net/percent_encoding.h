#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace meshx::net {

// Percent-decoding of one URL component (RFC 3986 §2.1), shared by the HTTP request readers of
// the agent and of the live tap. `plusIsSpace` for query strings (application/x-www-form-
// urlencoded). nullopt on a malformed escape (a '%' not followed by two hex digits). Pure.
std::optional<std::string> percentDecode(std::string_view text, bool plusIsSpace);

// The value of one hex digit (0-9, a-f, A-F), or -1. Pure.
int hexDigitValue(char c);

}  // namespace meshx::net
