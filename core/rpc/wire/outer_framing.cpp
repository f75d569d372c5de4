#include "rpc/wire/outer_framing.h"

namespace meshx::rpc::wire {

void storePrefix(uint8_t* out, size_t prefixWidth, uint64_t length) {
    storeBe(out, length, prefixWidth);
}

WireError sliceFrame(ByteView buffer, size_t prefixWidth, uint64_t maxPayload, FrameSlice& out) {
    out = FrameSlice{};
    if (buffer.size() < prefixWidth) {
        out.needed = prefixWidth;
        return WireError::Ok;
    }
    const uint64_t length = loadBe(buffer.data(), prefixWidth);
    if (length == 0)
        return WireError::EmptyFrame;
    if (length > maxPayload)
        return WireError::FrameTooLarge;
    out.needed = prefixWidth + static_cast<size_t>(length);
    if (buffer.size() < out.needed)
        return WireError::Ok;
    out.payload = buffer.subspan(prefixWidth, static_cast<size_t>(length));
    out.consumed = out.needed;
    out.complete = true;
    return WireError::Ok;
}

}  // namespace meshx::rpc::wire
