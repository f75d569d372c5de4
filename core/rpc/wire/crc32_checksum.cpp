#include "rpc/wire/crc32_checksum.h"

#include <zlib.h>

#include <limits>

namespace meshx::rpc::wire {

void appendMinimalUnsigned(uint64_t value, std::string& out) {
    int width = 1;
    while (width < 8 && (value >> (8 * width)) != 0)
        ++width;
    for (int i = width - 1; i >= 0; --i)
        out.push_back(static_cast<char>(value >> (8 * i)));
}

const Crc32Checksum& Crc32Checksum::instance() {
    static const Crc32Checksum kInstance;
    return kInstance;
}

uint32_t Crc32Checksum::crc(std::initializer_list<ByteView> parts) {
    uLong crc = crc32(0L, Z_NULL, 0);
    for (ByteView part : parts) {
        // zlib takes uInt lengths: feed huge parts in slices.
        const uint8_t* data = part.data();
        size_t left = part.size();
        while (left > 0) {
            auto chunk =
                static_cast<uInt>(std::min<size_t>(left, std::numeric_limits<uInt>::max()));
            crc = crc32(crc, data, chunk);
            data += chunk;
            left -= chunk;
        }
    }
    return static_cast<uint32_t>(crc);
}

void Crc32Checksum::compute(std::initializer_list<ByteView> parts, std::string& out) const {
    out.clear();
    appendMinimalUnsigned(crc(parts), out);
}

}  // namespace meshx::rpc::wire
