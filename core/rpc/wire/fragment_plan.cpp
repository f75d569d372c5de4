#include "rpc/wire/fragment_plan.h"

namespace meshx::rpc::wire {

WireError planFragments(bool request, uint64_t blkMaxSize, uint64_t payloadSize, size_t connRefSize,
                        size_t funNameSize, FragmentPlan& out) {
    const uint64_t c = connRefSize;
    const uint64_t h1 = request ? 21 + c + funNameSize : 19 + c;
    const uint64_t hn = 26 + c;
    const uint64_t b = blkMaxSize;
    out = FragmentPlan{};
    out.payloadSize = payloadSize;
    if (h1 >= b || hn >= b)
        return WireError::InvalidPktSize;
    if (payloadSize <= b - h1) {
        out.firstSize = out.otherSize = payloadSize;
        out.count = 1;
        return WireError::Ok;
    }
    uint64_t k = (payloadSize + (b - hn) - 1) / (b - hn);
    while ((b - h1) + (b - hn) * (k - 1) < payloadSize)
        ++k;
    const auto base = static_cast<int64_t>((payloadSize + k - 1) / k);
    const int64_t diff = static_cast<int64_t>(h1) - static_cast<int64_t>(hn);
    const int64_t adj = ceilDiv(diff, static_cast<int64_t>(k));
    const int64_t first = base - diff + adj;
    const int64_t other = base + adj;
    // With a function name close to blk_max_size the formula yields sizes <= 0, where the
    // original's binary match crashes: refuse instead.
    if (first <= 0 || other <= 0)
        return WireError::InvalidPktSize;
    out.firstSize = static_cast<uint64_t>(first);
    out.otherSize = static_cast<uint64_t>(other);
    // The original stops cutting when the rest fits, so the count follows from the sizes.
    out.count = out.firstSize >= payloadSize
                    ? 1
                    : 1 + (payloadSize - out.firstSize + out.otherSize - 1) / out.otherSize;
    return WireError::Ok;
}

}  // namespace meshx::rpc::wire
