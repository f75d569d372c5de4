#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "rpc/wire/bytes.h"
#include "rpc/wire/checksum.h"
#include "rpc/wire/flags.h"
#include "rpc/wire/wire_error.h"

namespace meshx::rpc::wire {

// Frames after the handshake; each travels with a 4-byte outer length prefix (not shown).
// Integers are big-endian; C = conn_ref length (sender's conn_ref).
//
// Fragment seq 1 — 0x0A cast / 0x32 call (requests), 0x37 call response. Sent LAST; ends the
// message.
//   0        1   flag
//   1        8   req_ref (u64)
//   9        1   C
//   10       C   conn_ref
//   10+C     1   ser_flag
//   11+C     2   F = function name length (u16)      requests only
//   13+C     F   function name (UTF-8)               requests only
//   ..       8   L = data length (u64)
//   ..       L   data
//   ..       ..  checksum, raw: the rest of the frame (only when checksums are on)
//
// Fragment seq >= 2 — 0x0B cast / 0x33 call / 0x38 response. Sent first, in descending seq order.
//   0        1   flag
//   1        8   req_ref (u64)
//   9        1   C
//   10       C   conn_ref
//   10+C     8   seq (u64), 2..K
//   18+C     8   L = data length (u64)
//   26+C     L   data
//   ..       4   checksum length K (u32)             only when checksums are on
//   ..       K   checksum                            only when checksums are on
//
// The checksum covers the frame from the flag through the end of the data.
//
// Cast ack — 0x0F, server -> client, sent once the cast is checked and started (no checksum):
//   0 1 flag | 1 8 req_ref | 9 1 C | 10 C server's conn_ref            (nothing after)
//
// Error reply — 0xC7, server -> client; the server closes afterwards (no checksum, never split):
//   0 1 flag | 1 8 req_ref | 9 1 C | 10 C server's conn_ref | 10+C 1 ser_flag | 11+C .. error term
struct BlockFrame {
    uint8_t flag = 0;
    uint64_t reqRef = 0;
    std::string_view connRef;  // view into the decoded payload
    uint64_t seq = 1;          // 1 for seq-1 flags, cast ack and error frames
    uint8_t serFlag = 0;       // seq-1 blocks and error frames
    std::string_view funName;  // seq-1 requests only
    ByteView data;             // block data; for an error frame the serialized error term
    ByteView cks;              // checksum bytes, empty when the frame has none
    size_t coveredSize = 0;    // bytes from the flag through the end of the data
};

constexpr bool isRequestFlag(uint8_t f) {
    return f == flag::kCastFirst || f == flag::kCastOther || f == flag::kCallFirst ||
           f == flag::kCallOther;
}
constexpr bool isReplyFlag(uint8_t f) {
    return f == flag::kReplyFirst || f == flag::kReplyOther || f == flag::kCastAck ||
           f == flag::kError;
}
constexpr bool isFirstFragmentFlag(uint8_t f) {
    return f == flag::kCastFirst || f == flag::kCallFirst || f == flag::kReplyFirst;
}

// Decodes any post-handshake frame into views of `payload` (no allocation). Errors: Truncated,
// UnknownFlag, BadTrailer (seq >= 2 trailer not u32 length + exactly that many bytes),
// TrailingBytes (cast ack longer than its fields). Pure; any thread.
WireError decodeFrame(ByteView payload, BlockFrame& out);

// Fields that encode a data block header (a BlockFrame without data).
struct BlockHeader {
    uint8_t flag = flag::kCallFirst;
    uint64_t reqRef = 0;
    std::string_view connRef;
    uint64_t seq = 1;
    uint8_t serFlag = 0;
    std::string_view funName;
    uint64_t dataSize = 0;
};

// Appends the header through the u64 data length. The caller sends data after it (writev).
void appendBlockHeader(const BlockHeader& header, Bytes& out);
// Appends the checksum trailer in the placement the flag requires (raw on seq 1, u32-prefixed on
// seq >= 2).
void appendCksTrailer(uint8_t flag, std::string_view cks, Bytes& out);
// A whole block payload (header, data, trailer when `cks` is set). For tests and small frames.
Bytes encodeBlock(const BlockHeader& header, ByteView data, const Checksum* cks);
Bytes encodeCastAck(uint64_t reqRef, std::string_view connRef);
Bytes encodeErrorFrame(uint64_t reqRef, std::string_view connRef, uint8_t serFlag, ByteView term);

}  // namespace meshx::rpc::wire
