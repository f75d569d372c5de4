#pragma once

#include <cstdint>
#include <string_view>

#include "rpc/wire/bytes.h"

namespace meshx::rpc::wire {

// Bounds-checked cursor over a frame. Every read fails (returns false, leaves the output untouched)
// instead of reading past the end, so decoders never trust a length field from the peer.
class ByteReader {
  public:
    explicit ByteReader(ByteView bytes) : bytes_(bytes) {}

    size_t offset() const { return pos_; }
    size_t remaining() const { return bytes_.size() - pos_; }
    bool atEnd() const { return pos_ == bytes_.size(); }

    bool u8(uint8_t& out) {
        uint64_t v = 0;
        if (!be(v, 1))
            return false;
        out = static_cast<uint8_t>(v);
        return true;
    }
    bool u16(uint16_t& out) {
        uint64_t v = 0;
        if (!be(v, 2))
            return false;
        out = static_cast<uint16_t>(v);
        return true;
    }
    bool u32(uint32_t& out) {
        uint64_t v = 0;
        if (!be(v, 4))
            return false;
        out = static_cast<uint32_t>(v);
        return true;
    }
    bool u64(uint64_t& out) { return be(out, 8); }

    // `size` bytes as a view into the frame (no copy).
    bool take(uint64_t size, ByteView& out) {
        if (size > remaining())
            return false;
        out = bytes_.subspan(pos_, static_cast<size_t>(size));
        pos_ += static_cast<size_t>(size);
        return true;
    }
    // A u8 length followed by that many bytes.
    bool str8(std::string_view& out) {
        uint8_t len = 0;
        ByteView view;
        if (!u8(len) || !take(len, view))
            return false;
        out = asText(view);
        return true;
    }
    ByteView rest() {
        ByteView out = bytes_.subspan(pos_);
        pos_ = bytes_.size();
        return out;
    }

  private:
    bool be(uint64_t& out, size_t width) {
        if (width > remaining())
            return false;
        out = loadBe(bytes_.data() + pos_, width);
        pos_ += width;
        return true;
    }

    ByteView bytes_;
    size_t pos_ = 0;
};

}  // namespace meshx::rpc::wire
