#pragma once

#include <string>

#include "rpc/serialize/serializer.h"

namespace meshx::rpc {

// JSON (flag 16), MessagePack (17) and CBOR (18) through nlohmann_json: one class, three formats,
// because they differ only in the library call. Decoding never throws and never trusts a length
// without the bytes behind it (nlohmann's binary readers check for end of input).
class NlohmannSerializer final : public Serializer {
  public:
    enum class Format : uint8_t { Json, MessagePack, Cbor };
    static constexpr uint8_t kJsonFlag = 16;
    static constexpr uint8_t kMessagePackFlag = 17;
    static constexpr uint8_t kCborFlag = 18;

    explicit NlohmannSerializer(Format format) : format_(format) {}

    // Serializer
    std::string_view name() const override;
    uint8_t flag() const override;
    Result<uint8_t> serialize(const nlohmann::json& value, wire::Bytes& out) const override;
    Result<nlohmann::json> deserialize(wire::ByteView bytes) const override;

  private:
    Format format_;
};

}  // namespace meshx::rpc
