#include "rpc/wire/wire_error.h"

namespace meshx::rpc::wire {

std::string_view toString(WireError error) {
    switch (error) {
        case WireError::Ok:
            return "ok";
        case WireError::Truncated:
            return "truncated_frame";
        case WireError::FrameTooLarge:
            return "frame_too_large";
        case WireError::EmptyFrame:
            return "empty_frame";
        case WireError::UnknownFlag:
            return "unknown_flag";
        case WireError::TrailingBytes:
            return "trailing_bytes";
        case WireError::BadTrailer:
            return "bad_cks_trailer";
        case WireError::InvalidHskParams:
            return "invalid_hsk_params";
        case WireError::InvalidDigest:
            return "invalid_digest";
        case WireError::InvalidRef:
            return "invalid_ref";
        case WireError::InvalidCks:
            return "invalid_cks";
        case WireError::InvalidPktSize:
            return "invalid_pkt_size";
    }
    return "unknown_wire_error";
}

}  // namespace meshx::rpc::wire
