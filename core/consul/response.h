#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "common/result.h"

namespace meshx::consul {

// One HTTP answer from the agent. Plain data: copyable, any thread.
struct Response {
    int status = 0;
    std::string body;
    // In arrival order, names lower-cased (HTTP names are case-insensitive).
    std::vector<std::pair<std::string, std::string>> headers;
    // X-Consul-Index; `hasIndex` is false on endpoints that send none (/agent/services, ...).
    uint64_t index = 0;
    bool hasIndex = false;

    // First value of a header, by case-insensitive name; empty when absent.
    std::string header(std::string_view name) const;
    // X-Consul-ContentHash (hash-blocking endpoints).
    std::string contentHash() const { return header("x-consul-contenthash"); }
    // The body parsed as JSON; ParseError (without the body text) when it is not JSON.
    Result<nlohmann::json> json() const;
};

}  // namespace meshx::consul
