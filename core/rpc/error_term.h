#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "rpc/payload.h"
#include "rpc/rpc_error.h"

namespace meshx::rpc {

// Error terms in 0xC7 frames, both ways. An atom is {"$atom": name} (an Erlang atom under ETF),
// a tuple {"$tuple": [...]}. Any thread.
namespace error_term {

nlohmann::json atom(std::string_view name);
// The term a server sends for `error`: error.remote when set, else {code_atom, detail}.
nlohmann::json fromError(const RpcError& error);
// Serializes `term` with the named serializer; falls back to the atom serialization_fail like the
// original, and to error_too_long when the frame would exceed blk_max_size.
Payload encode(const nlohmann::json& term, std::string_view serializer, size_t maxTermSize);
// What a client makes of a decoded term: the original's atom names map to their RpcErrc
// (killed, undef, invalid_cks, ...); anything else is Remote with the term kept.
RpcError toError(const nlohmann::json& term);

}  // namespace error_term
}  // namespace meshx::rpc
