#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "rpc/wire/bytes.h"
#include "rpc/wire/checksum.h"
#include "rpc/wire/flags.h"
#include "rpc/wire/wire_error.h"

namespace meshx::rpc::wire {

// Handshake request (0xD2, client -> server) and ack (0xD7, server -> client). Both travel with a
// 2-byte outer length prefix (not part of the payload below). Integers are big-endian.
//
//   offset  size  field
//   0       1     flag: 0xD2 request / 0xD7 ack
//   1       8     hsk_ref (u64): chosen by the client, echoed by the server
//   9       1     C = conn_ref length
//   10      C     sender's conn_ref (opaque bytes)
//   10+C    1     protocol version = 1
//   11+C    8     blk_max_size (u64), must be equal on both sides
//   19+C    1     S = svc_ref length
//   20+C    S     sender's svc_ref
//   20+C+S  1     N = node_ref length
//   21+C+S  N     sender's node_ref
//   21+C+S+N ..   digest = Checksum(bytes 0 .. 20+C+S+N ++ shared_key): the rest of the frame,
//                 no length field (CRC-32 written minimal-unsigned by default)
struct Handshake {
    uint8_t flag = flag::kHskRequest;
    uint64_t hskRef = 0;
    std::string connRef;
    uint8_t version = kProtocolVersion;
    uint64_t blkMaxSize = kDefaultBlkMaxSize;
    std::string svcRef;
    std::string nodeRef;
    std::string digest;     // decoded: what followed node_ref; ignored by encode (computed)
    size_t headerSize = 0;  // decoded: bytes covered by the digest (flag .. end of node_ref)
};

// Handshake error (0xDB, server -> client, 2-byte framing; the server closes right after):
//
//   0       1     flag 0xDB
//   1       ..    error text, e.g. "invalid_digest", "invalid_hsk_params": the rest of the frame

// Encodes a request or ack payload (no length prefix). Refs must be <= 255 bytes (checked when
// options are validated). Pure; any thread.
Bytes encodeHandshake(const Handshake& fields, std::string_view sharedKey, const Checksum& digest);

// Parses the layout only. Errors: UnknownFlag (not 0xD2/0xD7), InvalidHskParams (truncated, as the
// original's pattern match reports it).
WireError decodeHandshake(ByteView payload, Handshake& out);

// The receiver's checks, in the original's order: version 1 and blk_max_size equal to ours
// (InvalidHskParams), then the digest recomputed over the received header ++ our shared key and
// compared as bytes (InvalidDigest). `decoded` must come from decodeHandshake(payload).
WireError verifyHandshake(ByteView payload, const Handshake& decoded, uint64_t blkMaxSize,
                          std::string_view sharedKey, const Checksum& digest);

// The error text is cut to 256 bytes like the original (which cuts to 256 characters).
Bytes encodeHandshakeError(std::string_view text);
// Errors: UnknownFlag when the first byte is not 0xDB, Truncated when empty.
WireError decodeHandshakeError(ByteView payload, std::string& text);

}  // namespace meshx::rpc::wire
