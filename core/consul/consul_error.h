#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/error.h"

namespace meshx::consul {

// Errors leave this module as meshx::Error (code + message). An agent reply that is an error
// keeps its HTTP status and body in the message, in one fixed form the readers below parse:
//
//     <METHOD> /v1/<path>: HTTP <status>: <body>
//
// The path is percent-encoded, so it never holds the " HTTP " marker. Bodies are Consul's
// plain-text error lines, cut to kMaxErrorBody bytes.
inline constexpr std::size_t kMaxErrorBody = 2048;

// 403 -> PermissionDenied, 404 -> NotFound, any other status -> HttpError.
Code codeForStatus(int status);

// Builds the error for a non-2xx reply. `what` is "<METHOD> /v1/<path>".
Error makeHttpError(std::string_view what, int status, std::string_view body);

// The HTTP status an error carries, if it came from an agent reply (not from the transport).
std::optional<int> httpStatus(const Error& error);

// The reply body an error carries; empty for transport errors.
std::string_view httpBody(const Error& error);

// Replaces every occurrence of `secret` in `text` with "<redacted>": applied to every message
// this module produces, so a token echoed by a misbehaving server never reaches a log.
std::string redact(std::string text, std::string_view secret);

}  // namespace meshx::consul
