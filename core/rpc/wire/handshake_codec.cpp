#include "rpc/wire/handshake_codec.h"

#include <algorithm>
#include <cassert>

#include "rpc/wire/byte_reader.h"
#include "rpc/wire/byte_writer.h"

namespace meshx::rpc::wire {

Bytes encodeHandshake(const Handshake& fields, std::string_view sharedKey, const Checksum& digest) {
    assert(fields.connRef.size() <= 255 && fields.svcRef.size() <= 255 &&
           fields.nodeRef.size() <= 255);
    Bytes out;
    out.reserve(32 + fields.connRef.size() + fields.svcRef.size() + fields.nodeRef.size());
    ByteWriter w(out);
    w.u8(fields.flag);
    w.u64(fields.hskRef);
    w.str8(fields.connRef);
    w.u8(fields.version);
    w.u64(fields.blkMaxSize);
    w.str8(fields.svcRef);
    w.str8(fields.nodeRef);
    std::string dgt;
    digest.compute({ByteView(out), asBytes(sharedKey)}, dgt);
    w.bytes(dgt);
    return out;
}

WireError decodeHandshake(ByteView payload, Handshake& out) {
    ByteReader r(payload);
    std::string_view connRef, svcRef, nodeRef;
    if (!r.u8(out.flag))
        return WireError::InvalidHskParams;
    if (out.flag != flag::kHskRequest && out.flag != flag::kHskAck)
        return WireError::UnknownFlag;
    if (!r.u64(out.hskRef) || !r.str8(connRef) || !r.u8(out.version) || !r.u64(out.blkMaxSize) ||
        !r.str8(svcRef) || !r.str8(nodeRef)) {
        return WireError::InvalidHskParams;
    }
    out.headerSize = r.offset();
    out.connRef.assign(connRef);
    out.svcRef.assign(svcRef);
    out.nodeRef.assign(nodeRef);
    out.digest.assign(asText(r.rest()));
    return WireError::Ok;
}

WireError verifyHandshake(ByteView payload, const Handshake& decoded, uint64_t blkMaxSize,
                          std::string_view sharedKey, const Checksum& digest) {
    if (decoded.version != kProtocolVersion || decoded.blkMaxSize != blkMaxSize) {
        return WireError::InvalidHskParams;
    }
    if (decoded.headerSize > payload.size())
        return WireError::InvalidHskParams;
    std::string expected;
    digest.compute({payload.first(decoded.headerSize), asBytes(sharedKey)}, expected);
    return expected == decoded.digest ? WireError::Ok : WireError::InvalidDigest;
}

Bytes encodeHandshakeError(std::string_view text) {
    // Built in place: GCC 12 at -O3 misreads insert() after a 1-byte write as out of bounds.
    const std::string_view cut = text.substr(0, 256);
    Bytes out(1 + cut.size());
    out[0] = flag::kHskError;
    std::copy(cut.begin(), cut.end(), out.begin() + 1);
    return out;
}

WireError decodeHandshakeError(ByteView payload, std::string& text) {
    if (payload.empty())
        return WireError::Truncated;
    if (payload[0] != flag::kHskError)
        return WireError::UnknownFlag;
    text.assign(asText(payload.subspan(1)));
    return WireError::Ok;
}

}  // namespace meshx::rpc::wire
