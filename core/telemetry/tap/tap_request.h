#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace meshx::telemetry {

// A tap request head: `GET /v1/tap?filter=..&source=.. HTTP/1.1` and its headers.
//
// Tap requests are tiny bodiless GETs from curl, `meshx tap` or the console, so the tap reads
// them with this minimal reader instead of Boost.Beast: the request line, header lines up to the
// blank line, at most kMaxHeadBytes, no body (a request announcing one is refused). That keeps
// Boost out of the data-plane processes that link the tap (meshx-proxy) and the whole grammar
// in one page; anything it does not understand is answered 400 and the connection closed.
struct TapRequest {
    static constexpr size_t kMaxHeadBytes = 8192;

    std::string method;
    std::string version;                         // "HTTP/1.1" or "HTTP/1.0"
    std::string path;                            // decoded, without the query
    std::map<std::string, std::string> query;    // decoded ('+' is a space); last one wins
    std::map<std::string, std::string> headers;  // names lower-cased, values trimmed

    // The bytes up to and including the blank line ending the head, or nullopt when `buffer`
    // does not hold a whole head yet. Accepts CRLF or bare LF line ends. Pure.
    static std::optional<size_t> headLength(std::string_view buffer);
    // Parses one head (headLength bytes). Errors: ParseError naming what is wrong. Pure.
    static Result<TapRequest> parse(std::string_view head);

    // The header's value, or "" when absent (`name` lower-case).
    std::string header(const std::string& name) const;
};

}  // namespace meshx::telemetry
