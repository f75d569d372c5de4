#pragma once

#include <cstddef>
#include <cstdint>

#include "rpc/wire/bytes.h"
#include "rpc/wire/wire_error.h"

namespace meshx::rpc::wire {

// Outer framing: a big-endian length prefix that does not count itself. The first frame in each
// direction (the handshake) uses 2 bytes ({packet, 2}); every later frame 4 bytes ({packet, 4}).
//
//   +----------------+---------------------+
//   | length (u16/32)|  payload (length)   |
//   +----------------+---------------------+
inline constexpr size_t kHandshakePrefix = 2;
inline constexpr size_t kBlockPrefix = 4;

// Writes the prefix for `length` into `out` (prefixWidth bytes).
void storePrefix(uint8_t* out, size_t prefixWidth, uint64_t length);

// Looks for one frame at the start of `buffer`.
//   Ok, payload set, consumed = prefix + payload size: a whole frame is there.
//   Ok, payload empty and needed > buffer.size(): wait for `needed` bytes in total.
//   FrameTooLarge: the announced length exceeds maxPayload (checked before anything is allocated).
//   EmptyFrame: a zero length, which no MeshxRpc frame has (the symptom of the 2/4-byte race).
struct FrameSlice {
    ByteView payload;
    size_t consumed = 0;
    size_t needed = 0;
    bool complete = false;
};
WireError sliceFrame(ByteView buffer, size_t prefixWidth, uint64_t maxPayload, FrameSlice& out);

}  // namespace meshx::rpc::wire
