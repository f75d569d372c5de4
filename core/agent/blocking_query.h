#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "agent/api_call.h"
#include "agent/blocking_registry.h"
#include "common/result.h"

namespace meshx::agent {

// ?index / ?wait / ?hash of a blocking query (§1.8).
struct BlockingParams {
    uint64_t index = 0;
    std::chrono::nanoseconds wait = std::chrono::minutes(5);
    std::optional<std::string> hash;

    // Errors (400): `Invalid wait time`, `Invalid index`, and the ?stale/?consistent conflict.
    static Result<BlockingParams> parse(const HttpRequest& request);
    // wait (default 5m, at most 10m) plus a random extra of up to wait/16.
    std::chrono::nanoseconds waitWithJitter() const;
};

// Index-based blocking: answers at once when there is no ?index or the current index is
// already past it; otherwise parks until one of `keys` changes with currentIndex() > index, or
// until the wait runs out (then answers with the unchanged index). `render` builds the body;
// X-Consul-Index (never 0), X-Consul-Knownleader and X-Consul-Lastcontact are added.
void serveIndexed(const ApiCall& call, BlockingRegistry& registry, const BlockingParams& params,
                  std::vector<std::string> keys, std::function<uint64_t()> currentIndex,
                  std::function<HttpResponse()> render);

// Hash-based blocking (/agent/service/:id): `render` returns the response and its current hash
// (empty hash: the thing is gone, answer at once). Parks while the hash equals ?hash.
void serveHashed(const ApiCall& call, BlockingRegistry& registry, const BlockingParams& params,
                 std::vector<std::string> keys,
                 std::function<std::pair<HttpResponse, std::string>()> render);

}  // namespace meshx::agent
