#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "consul/cancel_token.h"

namespace meshx::consul {

enum class Method { Get, Put, Post, Delete };

std::string_view methodName(Method method);

// Blocking-query parameters (reference §1.8). Index mode: `index` > 0 blocks until the result's
// index passes it. Hash mode (only /agent/service/:id): a non-empty `hash` blocks while the
// content hash is unchanged. `wait` caps the block; zero leaves the agent's default (5 min).
struct Blocking {
    uint64_t index = 0;
    std::string hash;
    std::chrono::milliseconds wait{0};

    bool blocks() const { return index > 0 || !hash.empty(); }
    // The wait the agent will apply: the given one clamped to 10 min, or the 5 min default.
    std::chrono::milliseconds effectiveWait() const;
};

// One HTTP request to the agent. Built by the endpoint functions (agent_endpoints.h, ...) or by
// hand for the raw API. Plain data: copyable, any thread.
struct Request {
    Method method = Method::Get;
    // Path under /v1, already percent-encoded (use encodePathSegment for ids):
    // "/agent/check/update/ttl%3Aweb-host1". The transport prepends "/v1".
    std::string path;
    // Decoded name/value pairs, encoded by the transport. An empty value sends the bare name
    // (`?raw`), which Consul treats as present.
    std::vector<std::pair<std::string, std::string>> query;
    // Sent with `contentType` when set; absent means no body (Consul's agent PUTs take none).
    std::optional<std::string> body;
    std::string contentType = "application/json";
    Blocking blocking;
    // Non-2xx statuses that are answers rather than failures for this endpoint (the agent
    // health endpoints answer 429/503/404). Every other non-2xx becomes an Error.
    std::vector<int> acceptStatuses;
    // Whole-request timeout; zero takes the client's default. Blocking requests always get at
    // least wait + wait/16 + the default, whatever is set here.
    std::chrono::milliseconds timeout{0};
    // Cancels this request from any thread (see CancelToken).
    CancelToken cancel;

    static Request get(std::string path);
    static Request put(std::string path);
    static Request post(std::string path);
    static Request del(std::string path);

    Request& param(std::string name, std::string value = {});
    Request& json(const nlohmann::json& value);

    bool accepts(int status) const;

    // What every client sends after the agent's address: "/v1" + path, then the query with the
    // blocking parameters (index, hash, wait as a Go duration) appended, percent-encoded.
    std::string target() const;
    // "GET /v1/agent/self": how errors and logs name a request (no query: it may hold a filter
    // but never needs to be shown, and it keeps messages short).
    std::string describe() const;
    // The whole-request deadline for a client whose default is `clientTimeout`: `timeout` (or
    // the default); a blocking request gets at least the default + wait + wait/16, so the
    // agent's own jitter never cuts it.
    std::chrono::milliseconds deadlineWith(std::chrono::milliseconds clientTimeout) const;
};

}  // namespace meshx::consul
