#pragma once

#include "rpc/serialize/serializer.h"

namespace meshx::rpc {

// ser_flag 0: the payload is the bytes themselves (an Erlang binary on the other side).
// Serializes json binaries and strings; deserializes to a json binary.
class RawSerializer final : public Serializer {
  public:
    static constexpr uint8_t kFlag = 0;

    // Serializer
    std::string_view name() const override { return "raw"; }
    uint8_t flag() const override { return kFlag; }
    Result<uint8_t> serialize(const nlohmann::json& value, wire::Bytes& out) const override;
    Result<nlohmann::json> deserialize(wire::ByteView bytes) const override;
};

}  // namespace meshx::rpc
