#pragma once

#include <utility>

#include "agent/go_json_decoder.h"
#include "agent/http_request.h"
#include "common/result.h"

namespace meshx::agent {

// Runs a body decoder the way Consul's handlers do: JSON syntax errors, an empty body (`EOF`),
// unknown fields and type mismatches all become InvalidArgument
// `Request decode failed: <Go's text>` (a 400).
template <typename Decoder>
auto decodeRequestBody(const HttpRequest& request, Decoder decoder)
    -> Result<decltype(decoder(std::declval<const IJson&>()))> {
    auto json = parseGoJsonBody(request.body);
    if (!json) {
        return makeError(Code::InvalidArgument, "Request decode failed: " + json.error().message);
    }
    try {
        return decoder(*json);
    } catch (const DecodeError& e) {
        return makeError(Code::InvalidArgument, std::string("Request decode failed: ") + e.what());
    }
}

// Go's strconv.ParseBool.
inline std::optional<bool> parseGoBool(const std::string& s) {
    if (s == "1" || s == "t" || s == "T" || s == "TRUE" || s == "true" || s == "True") {
        return true;
    }
    if (s == "0" || s == "f" || s == "F" || s == "FALSE" || s == "false" || s == "False") {
        return false;
    }
    return std::nullopt;
}

}  // namespace meshx::agent
