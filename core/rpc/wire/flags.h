#pragma once

#include <cstdint>

namespace meshx::rpc::wire {

// First byte of every frame (reference §3, §4).
namespace flag {
inline constexpr uint8_t kHskRequest = 210;  // 0xD2, client -> server, 2-byte framing
inline constexpr uint8_t kHskAck = 215;      // 0xD7, server -> client, 2-byte framing
inline constexpr uint8_t kHskError = 219;    // 0xDB, server -> client, then close
inline constexpr uint8_t kCastFirst = 10;    // 0x0A cast, seq 1 (last block sent, ends the message)
inline constexpr uint8_t kCastOther = 11;    // 0x0B cast, seq >= 2
inline constexpr uint8_t kCastAck = 15;      // 0x0F server -> client
inline constexpr uint8_t kCallFirst = 50;    // 0x32 call, seq 1
inline constexpr uint8_t kCallOther = 51;    // 0x33 call, seq >= 2
inline constexpr uint8_t kReplyFirst = 55;   // 0x37 call response, seq 1
inline constexpr uint8_t kReplyOther = 56;   // 0x38 call response, seq >= 2
inline constexpr uint8_t kError = 199;       // 0xC7 error reply, then close
}  // namespace flag

inline constexpr uint8_t kProtocolVersion = 1;
inline constexpr uint64_t kDefaultBlkMaxSize = 16384;
inline constexpr uint64_t kMinBlkMaxSize = 200;
inline constexpr uint64_t kMaxBlkMaxSize = 268435456;

}  // namespace meshx::rpc::wire
