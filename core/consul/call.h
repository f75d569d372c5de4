#pragma once

#include <cstdint>
#include <functional>

#include "common/result.h"
#include "consul/request.h"
#include "consul/response.h"

namespace meshx::consul {

// A typed endpoint call: the request to send and how to read its reply. The endpoint functions
// (agent_endpoints.h, catalog_endpoints.h, connect_endpoints.h, kv_endpoints.h) return these;
// ConsulApi::call / callAsync run them, BlockingWatcher loops them. Plain data, any thread.
template <typename T>
struct Call {
    using Value = T;
    Request request;
    // Pure function of the reply; runs on whichever thread delivers it.
    std::function<Result<T>(const Response&)> decode;
};

// A result of an index-blocking endpoint with the X-Consul-Index to pass as the next
// Blocking::index.
template <typename T>
struct Indexed {
    T value;
    uint64_t index = 0;
};

}  // namespace meshx::consul
