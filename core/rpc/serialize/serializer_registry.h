#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "rpc/serialize/serializer.h"

namespace meshx::rpc {

// Serializers by name and by ser_flag. The process-wide registry starts with the built-ins
// ("raw" 0, "etf" 1 when built with ei, "json" 16, "msgpack" 17, "cbor" 18); users add their own.
// Registering a name or a flag twice is a programming error and aborts with a message, because two
// peers could otherwise decode the same flag differently. Any thread; serializers live until exit.
class SerializerRegistry {
  public:
    static SerializerRegistry& global();

    // Takes ownership. Fatal when the name or the flag is already registered.
    void add(std::unique_ptr<Serializer> serializer);
    // Null when unknown.
    const Serializer* byName(std::string_view name) const;
    const Serializer* byFlag(uint8_t flag) const;
    // Registered names in registration order (for settings and --help).
    std::vector<std::string> names() const;

    // Encodes with the named serializer, except that the name "default" picks MeshxRpc's default
    // rule: a binary goes raw (flag 0), anything else as an Erlang term (flag 1; JSON when this
    // build has no ei). Errors: InvalidArgument (unknown serializer or value without encoding).
    Result<uint8_t> serialize(std::string_view name, const nlohmann::json& value,
                              wire::Bytes& out) const;
    // Decodes with whichever serializer owns `flag`. Errors: ParseError (unknown flag, bad bytes).
    Result<nlohmann::json> deserialize(uint8_t flag, wire::ByteView bytes) const;

  private:
    SerializerRegistry();

    mutable std::mutex mutex_;
    std::vector<std::unique_ptr<Serializer>> serializers_;
    const Serializer* byFlag_[256] = {};
};

}  // namespace meshx::rpc
