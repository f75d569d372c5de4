#pragma once

#include <cstdint>
#include <string_view>

namespace meshx::rpc::wire {

// What a decoder or a check found wrong with peer bytes. toString() gives the MeshxRpc error atom
// where the original has one (invalid_hsk_params, invalid_digest, invalid_ref, invalid_cks,
// invalid_pkt_size); the others name cases where the original crashes its worker and closes the
// socket with no reply, which we report in words instead.
enum class WireError : uint8_t {
    Ok = 0,
    Truncated,      // a field runs past the end of the frame
    FrameTooLarge,  // outer length prefix above our configured maximum (checked before allocating)
    EmptyFrame,     // a zero-length frame (what the original's 2/4-byte race produces)
    UnknownFlag,    // first byte is no flag this frame kind may carry
    TrailingBytes,  // bytes left after a frame that ends at a fixed place (cast ack)
    BadTrailer,     // seq>=2 checksum trailer is not exactly u32 length + that many bytes
    InvalidHskParams,  // handshake layout, version or blk_max_size mismatch
    InvalidDigest,     // handshake digest differs
    InvalidRef,        // conn_ref, req_ref, hsk_ref or seq order broken
    InvalidCks,        // block checksum differs (or is missing when expected)
    InvalidPktSize,    // blk_max_size too small for the headers (sender side)
};

std::string_view toString(WireError error);

}  // namespace meshx::rpc::wire
