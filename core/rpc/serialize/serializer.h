#pragma once

#include <cstdint>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "rpc/wire/bytes.h"

namespace meshx::rpc {

// Turns a value into the bytes of one RPC payload and back, under the ser_flag byte that travels
// in the seq-1 block and in error frames (reference §7). Values are nlohmann::json; raw bytes are
// json binaries (nlohmann::json::binary_t). Implementations are stateless: any thread.
//
// Flags: 0 raw bytes and 1 Erlang term format are MeshxRpc's; 16 JSON, 17 MessagePack and 18 CBOR
// are ours (see docs/rpc-options.md). A registered serializer may claim any other free flag.
class Serializer {
  public:
    virtual ~Serializer() = default;

    // Registry name, e.g. "raw", "etf", "json".
    virtual std::string_view name() const = 0;
    // The ser_flag written with payloads this serializer produced.
    virtual uint8_t flag() const = 0;
    // Appends the encoding of `value` to `out` and returns the flag to send. Errors:
    // InvalidArgument when the value has no encoding here (e.g. a non-binary for "raw").
    virtual Result<uint8_t> serialize(const nlohmann::json& value, wire::Bytes& out) const = 0;
    // Decodes peer bytes. Errors: ParseError (malformed or hostile input; never crashes).
    virtual Result<nlohmann::json> deserialize(wire::ByteView bytes) const = 0;
};

}  // namespace meshx::rpc
