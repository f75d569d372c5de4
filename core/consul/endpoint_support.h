#pragma once

// Internal to the endpoint files: adapters from decode functions to Call::decode.

#include <utility>

#include <nlohmann/json.hpp>

#include "consul/call.h"

namespace meshx::consul::detail {

// Parses the body as JSON and hands it to `decode`.
template <typename F>
auto jsonDecoder(F decode) {
    return [decode](const Response& response) -> decltype(decode(nlohmann::json())) {
        auto json = response.json();
        if (!json) {
            return json.error();
        }
        return decode(*json);
    };
}

// Same, and pairs the value with the reply's X-Consul-Index.
template <typename T, typename F>
auto indexedJsonDecoder(F decode) {
    return [decode](const Response& response) -> Result<Indexed<T>> {
        auto json = response.json();
        if (!json) {
            return json.error();
        }
        auto value = decode(*json);
        if (!value) {
            return value.error();
        }
        return Indexed<T>{std::move(*value), response.index};
    };
}

// For writes whose reply carries nothing we need (an empty 200, or `true`).
inline Status ignoreBody(const Response&) {
    return {};
}

// Applies the blocking options to an index-blocking request.
inline Request& withBlocking(Request& request, const Blocking& blocking) {
    request.blocking = blocking;
    request.blocking.hash.clear();  // hash blocking is /agent/service/:id only
    return request;
}

}  // namespace meshx::consul::detail
