#include "rpc/wire/crc32_checksum.h"

#include <isa-l/crc.h>

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

// ISA-L's crc32_gzip_refl is the reflected IEEE CRC-32 of zlib and `:erlang.crc32` (the same
// value for the same bytes, chainable through its first argument), computed with carry-less
// multiplication folding where the CPU has it: about ten times zlib's table code on 1 MiB blocks.
uint32_t Crc32Checksum::crc(std::initializer_list<ByteView> parts) {
    uint32_t crc = 0;
    for (ByteView part : parts) {
        crc = crc32_gzip_refl(crc, part.data(), part.size());
    }
    return crc;
}

void Crc32Checksum::compute(std::initializer_list<ByteView> parts, std::string& out) const {
    out.clear();
    appendMinimalUnsigned(crc(parts), out);
}

}  // namespace meshx::rpc::wire
