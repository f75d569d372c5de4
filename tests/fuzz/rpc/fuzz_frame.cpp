// Fuzz target: the block/cast-ack/error frame decoder.

#include <cstddef>
#include <cstdint>

#include "rpc/wire/block_codec.h"

using namespace meshx::rpc::wire;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    ByteView in(data, size);
    BlockFrame f;
    if (decodeFrame(in, f) == WireError::Ok) {
        // Every view must lie inside the input.
        const uint8_t* end = data + size;
        if (f.data.data() + f.data.size() > end || f.cks.data() + f.cks.size() > end ||
            f.coveredSize > size) {
            __builtin_trap();
        }
    }
    return 0;
}
