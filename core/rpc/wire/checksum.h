#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

#include "rpc/wire/bytes.h"

namespace meshx::rpc::wire {

// A block checksum or handshake digest function (MeshxRpc's cks_mfa / hsk_dgt_mfa). The result is
// an opaque byte string compared as bytes, so any length is allowed; the default CRC-32 writes it
// minimal-unsigned (1..4 bytes). Implementations are stateless: any thread.
class Checksum {
  public:
    virtual ~Checksum() = default;

    // Name for configuration and telemetry, e.g. "crc32".
    virtual std::string_view name() const = 0;
    // Checksum of the concatenation of `parts` (lets callers cover header+data or header+key
    // without copying them together). Replaces `out`.
    virtual void compute(std::initializer_list<ByteView> parts, std::string& out) const = 0;

    // Convenience form returning the checksum.
    std::string sum(std::initializer_list<ByteView> parts) const {
        std::string out;
        compute(parts, out);
        return out;
    }
};

// Erlang's binary:encode_unsigned/1: big-endian with no leading zero bytes, "00" for zero.
void appendMinimalUnsigned(uint64_t value, std::string& out);

}  // namespace meshx::rpc::wire
