#pragma once

#include "rpc/serialize/serializer.h"

namespace meshx::rpc {

// ser_flag 1: Erlang External Term Format through erl_interface's ei (MeshxRpc's default for
// anything that is not a binary). Built only when erlang-dev is installed (MESHX_RPC_HAVE_ETF).
//
// JSON -> term:  null -> nil, true/false -> atoms, integers -> integers, floats -> floats,
//   strings and binaries -> binaries (Elixir strings), arrays -> lists, objects -> maps with atom
//   keys (as Elixir's %{a: 1}); {"$atom": "x"} -> the atom x, {"$tuple": [...]} -> a tuple.
// term -> JSON:  atoms -> strings (nil -> null, true/false -> booleans), binaries -> strings when
//   valid UTF-8 else binaries, tuples and lists -> arrays, charlists -> arrays of integers,
//   maps -> objects (keys printed as text), pids/refs/funs/bigs -> descriptive strings.
// Decoding first walks the term with EtfValidator, because ei trusts lengths in the buffer.
class EtfSerializer final : public Serializer {
  public:
    static constexpr uint8_t kFlag = 1;

    EtfSerializer();  // calls ei_init() once per process

    // Serializer
    std::string_view name() const override { return "etf"; }
    uint8_t flag() const override { return kFlag; }
    Result<uint8_t> serialize(const nlohmann::json& value, wire::Bytes& out) const override;
    Result<nlohmann::json> deserialize(wire::ByteView bytes) const override;
};

}  // namespace meshx::rpc
