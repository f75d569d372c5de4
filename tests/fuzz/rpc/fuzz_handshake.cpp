// Fuzz target: handshake request/ack and handshake-error decoders plus the receiver's checks.

#include <cstddef>
#include <cstdint>

#include "rpc/wire/crc32_checksum.h"
#include "rpc/wire/handshake_codec.h"

using namespace meshx::rpc::wire;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    ByteView in(data, size);
    Handshake h;
    if (decodeHandshake(in, h) == WireError::Ok) {
        (void)verifyHandshake(in, h, kDefaultBlkMaxSize, "", Crc32Checksum::instance());
        // Whatever decodes must re-encode to a frame that decodes to the same fields.
        Bytes again = encodeHandshake(h, "", Crc32Checksum::instance());
        Handshake h2;
        if (decodeHandshake(again, h2) != WireError::Ok || h2.connRef != h.connRef ||
            h2.hskRef != h.hskRef) {
            __builtin_trap();
        }
    }
    std::string text;
    (void)decodeHandshakeError(in, text);
    return 0;
}
