#pragma once

#include <functional>

#include <nlohmann/json.hpp>

#include "rpc/payload.h"
#include "rpc/rpc_error.h"

namespace meshx::rpc {

// A server function. It receives the serialized argument (ser_flag + bytes) and returns the
// serialized result, or an RpcError whose `remote` term (or, when null, {code, detail}) is sent
// back in a 0xC7 frame. It runs on the connection's thread, or on a helper thread when
// timeout_execute is set — then it may be abandoned, so it must own what it captures.
using RpcHandler = std::function<RpcResult<Payload>(Payload&& arg)>;

// A function over decoded values (the server (de)serializes with its configured serializer).
using RpcJsonHandler = std::function<RpcResult<nlohmann::json>(const nlohmann::json& arg)>;

}  // namespace meshx::rpc
