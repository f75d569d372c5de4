#include "rpc/serialize/serializer_registry.h"

#include <cstdio>
#include <cstdlib>

#include "rpc/serialize/nlohmann_serializer.h"
#include "rpc/serialize/raw_serializer.h"
#ifdef MESHX_RPC_HAVE_ETF
#include "rpc/serialize/etf_serializer.h"
#endif

namespace meshx::rpc {

SerializerRegistry& SerializerRegistry::global() {
    static SerializerRegistry registry;
    return registry;
}

SerializerRegistry::SerializerRegistry() {
    // Built-ins are added here rather than by static objects: a static library drops
    // registration objects nobody references.
    add(std::make_unique<RawSerializer>());
#ifdef MESHX_RPC_HAVE_ETF
    add(std::make_unique<EtfSerializer>());
#endif
    add(std::make_unique<NlohmannSerializer>(NlohmannSerializer::Format::Json));
    add(std::make_unique<NlohmannSerializer>(NlohmannSerializer::Format::MessagePack));
    add(std::make_unique<NlohmannSerializer>(NlohmannSerializer::Format::Cbor));
}

void SerializerRegistry::add(std::unique_ptr<Serializer> serializer) {
    std::lock_guard lock(mutex_);
    for (const auto& s : serializers_) {
        if (s->name() == serializer->name() || s->flag() == serializer->flag()) {
            std::fprintf(stderr, "meshx rpc: serializer '%.*s' (flag %u) registered twice\n",
                         static_cast<int>(serializer->name().size()), serializer->name().data(),
                         static_cast<unsigned>(serializer->flag()));
            std::abort();
        }
    }
    byFlag_[serializer->flag()] = serializer.get();
    serializers_.push_back(std::move(serializer));
}

const Serializer* SerializerRegistry::byName(std::string_view name) const {
    std::lock_guard lock(mutex_);
    for (const auto& s : serializers_) {
        if (s->name() == name)
            return s.get();
    }
    return nullptr;
}

const Serializer* SerializerRegistry::byFlag(uint8_t flag) const {
    std::lock_guard lock(mutex_);
    return byFlag_[flag];
}

std::vector<std::string> SerializerRegistry::names() const {
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    for (const auto& s : serializers_)
        out.emplace_back(s->name());
    return out;
}

Result<uint8_t> SerializerRegistry::serialize(std::string_view name, const nlohmann::json& value,
                                              wire::Bytes& out) const {
    const Serializer* s = nullptr;
    if (name == "default") {
        s = value.is_binary() ? byName("raw") : byName("etf");
        if (s == nullptr)
            s = byName("json");
    } else {
        s = byName(name);
    }
    if (s == nullptr) {
        return makeError(Code::InvalidArgument, "unknown serializer '" + std::string(name) + "'");
    }
    return s->serialize(value, out);
}

Result<nlohmann::json> SerializerRegistry::deserialize(uint8_t flag, wire::ByteView bytes) const {
    const Serializer* s = byFlag(flag);
    if (s == nullptr) {
        return makeError(Code::ParseError, "no serializer for ser_flag " + std::to_string(flag));
    }
    return s->deserialize(bytes);
}

}  // namespace meshx::rpc
