#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "rpc/wire/block_codec.h"
#include "rpc/wire/bytes.h"
#include "rpc/wire/checksum.h"
#include "rpc/wire/wire_error.h"

namespace meshx::rpc::wire {

// Receiver side of §8: decodes block frames one by one, enforces the integrity rules (peer's
// conn_ref, one req_ref per message, seq counting down to 1, checksums) and collects the data.
// Blocks arrive highest seq first and seq 1 ends the message, so data is kept per block and joined
// once at the end (no prepend copies). Block buffers are reused between messages.
// Pure (no I/O); one instance per connection; not thread-safe.
class MessageAssembler {
  public:
    enum class Role : uint8_t { Server, Client };
    enum class Event : uint8_t {
        NeedMore,    // a seq >= 2 block was accepted; more blocks follow
        Message,     // the seq-1 block arrived: a request (server) or a call response (client)
        CastAck,     // client: the server acknowledged the outstanding cast
        ErrorReply,  // client: 0xC7 for the outstanding request; the term is in takeData()
    };

    // `cks` null means checksums are off (trailers are then ignored, as the original does).
    // `maxMessageSize` bounds the bytes of all frames of one message, so a peer cannot make us
    // buffer without limit.
    MessageAssembler(Role role, const Checksum* cks, uint64_t maxMessageSize);

    // The conn_ref the peer sent in its handshake; every block must carry it.
    void setPeerConnRef(std::string_view connRef) { peerConnRef_.assign(connRef); }
    // Client: the req_ref of the request just sent; replies must carry it.
    void expectReply(uint64_t reqRef);
    // Forget any partial message (after an error the connection is closed anyway).
    void reset();

    // Feeds one frame payload (without its length prefix). Errors: the decoder's, InvalidRef,
    // InvalidCks, UnknownFlag (a flag this role never receives), FrameTooLarge (message over
    // maxMessageSize).
    WireError feed(ByteView payload, Event& event);

    // After Message/ErrorReply. The flag of the final block (0x0A cast, 0x32 call, 0x37 reply,
    // 0xC7 error), its req_ref, ser_flag and function name.
    uint8_t finalFlag() const { return finalFlag_; }
    bool isCast() const { return finalFlag_ == flag::kCastFirst; }
    uint64_t reqRef() const { return reqRef_; }
    uint8_t serFlag() const { return serFlag_; }
    const std::string& funName() const { return funName_; }
    // Blocks and frame bytes of the current (or just completed) message, for telemetry.
    uint64_t blocks() const { return blocks_; }
    uint64_t frameBytes() const { return frameBytes_; }
    // True while a multi-block message is half received (its req_ref is known).
    bool inMessage() const { return inMessage_; }

    // Joins the data of the completed message in payload order into `out` (reusing its capacity)
    // and gets ready for the next message.
    void takeData(Bytes& out);

  private:
    WireError accept(const BlockFrame& frame, ByteView payload, Event& event);
    void keep(ByteView data);

    Role role_;
    const Checksum* cks_;
    uint64_t maxMessageSize_;
    std::string peerConnRef_;
    std::string cksScratch_;

    bool expecting_ = false;  // client: a request is outstanding
    uint64_t expectedReqRef_ = 0;

    bool inMessage_ = false;
    uint64_t reqRef_ = 0;
    uint64_t lastSeq_ = 0;
    uint8_t finalFlag_ = 0;
    uint8_t serFlag_ = 0;
    std::string funName_;
    uint64_t blocks_ = 0;
    uint64_t frameBytes_ = 0;

    std::vector<Bytes> pieces_;  // in arrival order = descending seq = reverse payload order
    size_t used_ = 0;
};

}  // namespace meshx::rpc::wire
