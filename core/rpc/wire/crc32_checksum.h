#pragma once

#include "rpc/wire/checksum.h"

namespace meshx::rpc::wire {

// MeshxRpc's default checksum and digest: zlib/IEEE CRC-32 (`:erlang.crc32`) written
// minimal-unsigned (§3, §6).
class Crc32Checksum final : public Checksum {
  public:
    // The one shared instance (stateless).
    static const Crc32Checksum& instance();

    // Checksum
    std::string_view name() const override { return "crc32"; }
    void compute(std::initializer_list<ByteView> parts, std::string& out) const override;

    // The CRC-32 of the parts one after another, as over their concatenation. Any thread.
    static uint32_t crc(std::initializer_list<ByteView> parts);
};

}  // namespace meshx::rpc::wire
