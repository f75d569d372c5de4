#include "rpc/serialize/raw_serializer.h"

namespace meshx::rpc {

Result<uint8_t> RawSerializer::serialize(const nlohmann::json& value, wire::Bytes& out) const {
    if (value.is_binary()) {
        const auto& bin = value.get_binary();
        out.insert(out.end(), bin.begin(), bin.end());
    } else if (value.is_string()) {
        const auto& text = value.get_ref<const std::string&>();
        out.insert(out.end(), text.begin(), text.end());
    } else {
        return makeError(Code::InvalidArgument, "raw serializer takes bytes or a string");
    }
    return kFlag;
}

Result<nlohmann::json> RawSerializer::deserialize(wire::ByteView bytes) const {
    return nlohmann::json::binary(std::vector<uint8_t>(bytes.begin(), bytes.end()));
}

}  // namespace meshx::rpc
