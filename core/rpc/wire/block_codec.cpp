#include "rpc/wire/block_codec.h"

#include <cassert>
#include <cstring>

#include "rpc/wire/byte_reader.h"
#include "rpc/wire/byte_writer.h"

namespace meshx::rpc::wire {

WireError decodeFrame(ByteView payload, BlockFrame& out) {
    out = BlockFrame{};
    ByteReader r(payload);
    if (!r.u8(out.flag))
        return WireError::EmptyFrame;
    const uint8_t f = out.flag;
    const bool first = isFirstFragmentFlag(f);
    const bool other = f == flag::kCastOther || f == flag::kCallOther || f == flag::kReplyOther;
    if (!first && !other && f != flag::kCastAck && f != flag::kError)
        return WireError::UnknownFlag;

    if (!r.u64(out.reqRef) || !r.str8(out.connRef))
        return WireError::Truncated;
    if (f == flag::kCastAck)
        return r.atEnd() ? WireError::Ok : WireError::TrailingBytes;
    if (f == flag::kError) {
        if (!r.u8(out.serFlag))
            return WireError::Truncated;
        out.coveredSize = payload.size();
        out.data = r.rest();
        return WireError::Ok;
    }
    if (first) {
        if (!r.u8(out.serFlag))
            return WireError::Truncated;
        if (f != flag::kReplyFirst) {
            uint16_t nameLen = 0;
            ByteView name;
            if (!r.u16(nameLen) || !r.take(nameLen, name))
                return WireError::Truncated;
            out.funName = asText(name);
        }
    } else if (!r.u64(out.seq)) {
        return WireError::Truncated;
    }
    uint64_t dataSize = 0;
    if (!r.u64(dataSize) || !r.take(dataSize, out.data))
        return WireError::Truncated;
    out.coveredSize = r.offset();
    if (first || r.atEnd()) {
        out.cks = r.rest();
        return WireError::Ok;
    }
    uint32_t cksLen = 0;
    if (!r.u32(cksLen) || !r.take(cksLen, out.cks) || !r.atEnd())
        return WireError::BadTrailer;
    return WireError::Ok;
}

void appendBlockHeader(const BlockHeader& h, Bytes& out) {
    assert(h.connRef.size() <= 255 && h.funName.size() <= 65535);
    // One resize and direct stores: this runs for every block sent, and growing the vector field
    // by field (ByteWriter) was the largest user-space cost of a small call.
    const bool first = isFirstFragmentFlag(h.flag);
    const bool named = first && h.flag != flag::kReplyFirst;
    const size_t size =
        1 + 8 + 1 + h.connRef.size() + (first ? 1 + (named ? 2 + h.funName.size() : 0) : 8) + 8;
    const size_t at = out.size();
    out.resize(at + size);
    uint8_t* p = out.data() + at;
    auto text = [&p](std::string_view v) {
        if (!v.empty())
            std::memcpy(p, v.data(), v.size());
        p += v.size();
    };
    *p++ = h.flag;
    storeBe(p, h.reqRef, 8);
    p += 8;
    *p++ = static_cast<uint8_t>(h.connRef.size());
    text(h.connRef);
    if (first) {
        *p++ = h.serFlag;
        if (named) {
            storeBe(p, h.funName.size(), 2);
            p += 2;
            text(h.funName);
        }
    } else {
        storeBe(p, h.seq, 8);
        p += 8;
    }
    storeBe(p, h.dataSize, 8);
}

void appendCksTrailer(uint8_t f, std::string_view cks, Bytes& out) {
    ByteWriter w(out);
    if (!isFirstFragmentFlag(f))
        w.u32(cks.size());
    w.bytes(cks);
}

Bytes encodeBlock(const BlockHeader& header, ByteView data, const Checksum* cks) {
    Bytes out;
    BlockHeader h = header;
    h.dataSize = data.size();
    appendBlockHeader(h, out);
    out.insert(out.end(), data.begin(), data.end());
    if (cks != nullptr) {
        std::string sum;
        cks->compute({ByteView(out)}, sum);
        appendCksTrailer(h.flag, sum, out);
    }
    return out;
}

Bytes encodeCastAck(uint64_t reqRef, std::string_view connRef) {
    Bytes out;
    ByteWriter w(out);
    w.u8(flag::kCastAck);
    w.u64(reqRef);
    w.str8(connRef);
    return out;
}

Bytes encodeErrorFrame(uint64_t reqRef, std::string_view connRef, uint8_t serFlag, ByteView term) {
    Bytes out;
    ByteWriter w(out);
    w.u8(flag::kError);
    w.u64(reqRef);
    w.str8(connRef);
    w.u8(serFlag);
    w.bytes(term);
    return out;
}

}  // namespace meshx::rpc::wire
