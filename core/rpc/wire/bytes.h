#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace meshx::rpc::wire {

// Every codec works on plain byte spans so that it can run over any transport and be fuzzed.
using Bytes = std::vector<uint8_t>;
using ByteView = std::span<const uint8_t>;

inline ByteView asBytes(std::string_view text) {
    return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

inline std::string_view asText(ByteView bytes) {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// Big-endian stores and loads; the protocol writes every integer in network order.
inline void storeBe(uint8_t* out, uint64_t value, size_t width) {
    for (size_t i = 0; i < width; ++i) {
        out[width - 1 - i] = static_cast<uint8_t>(value >> (8 * i));
    }
}

inline uint64_t loadBe(const uint8_t* in, size_t width) {
    uint64_t value = 0;
    for (size_t i = 0; i < width; ++i) {
        value = (value << 8) | in[i];
    }
    return value;
}

}  // namespace meshx::rpc::wire
