#pragma once

#include <cstddef>
#include <cstdint>

#include "rpc/wire/wire_error.h"

namespace meshx::rpc::wire {

// How the sender cuts a serialized payload P (N bytes) into blocks, exactly as MeshxRpc computes
// it (reference §5.4), so our frames are byte-identical to the original's:
//   H1 = seq-1 header (request 21+C+F, response 19+C), Hn = 26+C, B = blk_max_size
//   N <= B-H1: one block.  Otherwise k = ceil(N/(B-Hn)), grown while (B-H1)+(B-Hn)(k-1) < N,
//   base = ceil(N/k), adj = ceil((H1-Hn)/k) (toward +inf, may be negative),
//   S1 = base-(H1-Hn)+adj, So = base+adj; seq 1 takes the first S1 bytes, each next seq So bytes,
//   the highest seq the (non-empty) rest.
struct FragmentPlan {
    uint64_t payloadSize = 0;
    uint64_t firstSize = 0;  // data bytes in seq 1
    uint64_t otherSize = 0;  // data bytes in each seq >= 2 (the last one may hold fewer)
    uint64_t count = 1;      // K, number of blocks

    // Offset and size of block `seq` (1..count) within the payload.
    uint64_t offset(uint64_t seq) const { return seq == 1 ? 0 : firstSize + (seq - 2) * otherSize; }
    uint64_t size(uint64_t seq) const {
        uint64_t at = offset(seq);
        uint64_t want = seq == 1 ? firstSize : otherSize;
        return payloadSize - at < want ? payloadSize - at : want;
    }
};

// Errors: InvalidPktSize when a header alone does not fit in blk_max_size (the original's
// invalid_pkt_size). `funNameSize` is 0 for responses (`request` false). Pure; any thread.
WireError planFragments(bool request, uint64_t blkMaxSize, uint64_t payloadSize, size_t connRefSize,
                        size_t funNameSize, FragmentPlan& out);

// Ceiling division toward +infinity for a possibly negative numerator (d > 0).
constexpr int64_t ceilDiv(int64_t n, int64_t d) {
    return n >= 0 ? (n + d - 1) / d : -((-n) / d);
}

}  // namespace meshx::rpc::wire
