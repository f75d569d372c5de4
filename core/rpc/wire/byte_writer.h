#pragma once

#include <cstdint>
#include <string_view>

#include "rpc/wire/bytes.h"

namespace meshx::rpc::wire {

// Appends big-endian fields to a caller-owned buffer, so hot paths can reuse one allocation.
class ByteWriter {
  public:
    explicit ByteWriter(Bytes& out) : out_(out) {}

    void u8(uint64_t v) { be(v, 1); }
    void u16(uint64_t v) { be(v, 2); }
    void u32(uint64_t v) { be(v, 4); }
    void u64(uint64_t v) { be(v, 8); }
    void bytes(ByteView v) { out_.insert(out_.end(), v.begin(), v.end()); }
    void bytes(std::string_view v) { bytes(asBytes(v)); }
    // u8 length + bytes. Callers validate length <= 255 first (refs are checked at configuration).
    void str8(std::string_view v) {
        u8(v.size());
        bytes(v);
    }

  private:
    void be(uint64_t v, size_t width) {
        size_t at = out_.size();
        out_.resize(at + width);
        storeBe(out_.data() + at, v, width);
    }

    Bytes& out_;
};

}  // namespace meshx::rpc::wire
