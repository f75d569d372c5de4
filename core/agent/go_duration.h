#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "common/result.h"

namespace meshx::agent {

// Go's time.Duration text form, as Consul reads and prints durations ("10s", "1m30s", "500ms").
// Pure functions, any thread.

// Parses a Go duration string. Errors (InvalidArgument) carry Go's own messages:
// `time: invalid duration "abc"`, `time: missing unit in duration "1"`,
// `time: unknown unit "x" in duration "1x"`.
Result<std::chrono::nanoseconds> parseGoDuration(std::string_view text);

// Formats like Go's Duration.String(): "0s", "1.5ms", "10s", "1m30s", "1h0m0s".
std::string formatGoDuration(std::chrono::nanoseconds d);

// Go's strconv.Quote for the ASCII range (what error messages print around values).
std::string goQuote(std::string_view text);

}  // namespace meshx::agent
