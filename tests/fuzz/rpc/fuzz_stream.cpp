// Fuzz target: a byte stream as a server or client connection sees it after the handshake —
// outer 4-byte framing with a size limit, then the message assembler (refs, seq order, checksums,
// bounded message size). Input: mode byte (bit 0 client role, bit 1 checksums on), the expected
// req_ref (u64, client role), the peer's conn_ref (u8 length + bytes), then the stream.

#include <cstddef>
#include <cstdint>

#include "rpc/wire/crc32_checksum.h"
#include "rpc/wire/message_assembler.h"
#include "rpc/wire/outer_framing.h"

using namespace meshx::rpc::wire;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 10)
        return 0;
    const uint8_t mode = data[0];
    const uint64_t reqRef = loadBe(data + 1, 8);
    const size_t refLen = data[9];
    if (size < 10 + refLen)
        return 0;
    const std::string_view connRef(reinterpret_cast<const char*>(data + 10), refLen);
    ByteView in(data + 10 + refLen, size - 10 - refLen);
    const Checksum* cks = (mode & 2) ? &Crc32Checksum::instance() : nullptr;
    const auto role = (mode & 1) ? MessageAssembler::Role::Client : MessageAssembler::Role::Server;
    MessageAssembler rx(role, cks, 1 << 20);
    rx.setPeerConnRef(connRef);
    rx.expectReply(reqRef);
    Bytes out;
    while (!in.empty()) {
        FrameSlice s;
        if (sliceFrame(in, kBlockPrefix, 1 << 20, s) != WireError::Ok || !s.complete)
            break;
        MessageAssembler::Event ev{};
        if (rx.feed(s.payload, ev) != WireError::Ok)
            break;
        if (ev != MessageAssembler::Event::NeedMore) {
            rx.takeData(out);
            rx.expectReply(reqRef);
        }
        in = in.subspan(s.consumed);
    }
    return 0;
}
