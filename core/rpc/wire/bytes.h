#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
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

// Big-endian stores and loads; the protocol writes every integer in network order. Widths 2, 4
// and 8 (every header field) compile to one byte swap and one unaligned move once inlined with a
// constant width; the byte loop (kept for other widths) cost about 15 instructions a byte in the
// per-call profile (docs/rpc-benchmark.md).
inline void storeBe(uint8_t* out, uint64_t value, size_t width) {
    if constexpr (std::endian::native == std::endian::little) {
        switch (width) {
            case 2: {
                const auto v = __builtin_bswap16(static_cast<uint16_t>(value));
                std::memcpy(out, &v, 2);
                return;
            }
            case 4: {
                const auto v = __builtin_bswap32(static_cast<uint32_t>(value));
                std::memcpy(out, &v, 4);
                return;
            }
            case 8: {
                const auto v = __builtin_bswap64(value);
                std::memcpy(out, &v, 8);
                return;
            }
            default:
                break;
        }
    }
    for (size_t i = 0; i < width; ++i) {
        out[width - 1 - i] = static_cast<uint8_t>(value >> (8 * i));
    }
}

inline uint64_t loadBe(const uint8_t* in, size_t width) {
    if constexpr (std::endian::native == std::endian::little) {
        switch (width) {
            case 2: {
                uint16_t v;
                std::memcpy(&v, in, 2);
                return __builtin_bswap16(v);
            }
            case 4: {
                uint32_t v;
                std::memcpy(&v, in, 4);
                return __builtin_bswap32(v);
            }
            case 8: {
                uint64_t v;
                std::memcpy(&v, in, 8);
                return __builtin_bswap64(v);
            }
            default:
                break;
        }
    }
    uint64_t value = 0;
    for (size_t i = 0; i < width; ++i) {
        value = (value << 8) | in[i];
    }
    return value;
}

}  // namespace meshx::rpc::wire
