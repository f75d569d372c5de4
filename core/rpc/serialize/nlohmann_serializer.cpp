#include "rpc/serialize/nlohmann_serializer.h"

namespace meshx::rpc {

std::string_view NlohmannSerializer::name() const {
    switch (format_) {
        case Format::Json:
            return "json";
        case Format::MessagePack:
            return "msgpack";
        case Format::Cbor:
            return "cbor";
    }
    return "json";
}

uint8_t NlohmannSerializer::flag() const {
    switch (format_) {
        case Format::Json:
            return kJsonFlag;
        case Format::MessagePack:
            return kMessagePackFlag;
        case Format::Cbor:
            return kCborFlag;
    }
    return kJsonFlag;
}

Result<uint8_t> NlohmannSerializer::serialize(const nlohmann::json& value, wire::Bytes& out) const {
    try {
        switch (format_) {
            case Format::Json: {
                // Binaries have no JSON form; dump() would throw. Replace invalid UTF-8 likewise.
                std::string text =
                    value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
                out.insert(out.end(), text.begin(), text.end());
                break;
            }
            case Format::MessagePack:
                nlohmann::json::to_msgpack(value, out);
                break;
            case Format::Cbor:
                nlohmann::json::to_cbor(value, out);
                break;
        }
    } catch (const nlohmann::json::exception& e) {
        return makeError(Code::InvalidArgument, std::string(name()) + ": " + e.what());
    }
    return flag();
}

Result<nlohmann::json> NlohmannSerializer::deserialize(wire::ByteView bytes) const {
    nlohmann::json value;
    switch (format_) {
        case Format::Json:
            value = nlohmann::json::parse(bytes.begin(), bytes.end(), nullptr, false);
            break;
        case Format::MessagePack:
            value = nlohmann::json::from_msgpack(bytes.begin(), bytes.end(), true, false);
            break;
        case Format::Cbor:
            value = nlohmann::json::from_cbor(bytes.begin(), bytes.end(), true, false);
            break;
    }
    if (value.is_discarded()) {
        return makeError(Code::ParseError, std::string(name()) + ": malformed payload");
    }
    return value;
}

}  // namespace meshx::rpc
