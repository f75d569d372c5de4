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
//
// Blocks arrive highest seq first and seq 1 ends the message. Each block's data is copied once,
// straight to its place in one message buffer, filled back to front: when the second block of a
// message arrives (seq K-1, So bytes) the whole size is predicted from MeshxRpc's fragment plan
// (fragment_plan.h: seq 1 holds So+7 bytes in a reply, So+5-F in a request with an F-byte
// function name, taken as the last request's). A sender that cut otherwise, or a wrong name-length
// guess, costs one move of the data at the end (never wrong bytes). The buffer is handed over by
// takeData() and the caller's previous one taken back, so a server echoing results allocates and
// zero-fills nothing per message. (It used to keep a copy per block and join them: two copies of
// every byte instead of one.)
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
    // Places the data of block `seq` in front of the data placed so far (see the class comment).
    void place(ByteView data, uint64_t seq);
    // Makes room for `need` more bytes in front of data_[at_, end_), moving what is there.
    void growFront(size_t need);
    // data_.size() at least `n` (grows only: bytes past end_ are left from earlier messages and
    // never handed out).
    void ensureSize(size_t n);

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

    // The message's data so far is data_[at_, end_) (payload order). While only the highest
    // block has arrived it waits in tail_ (the total size is not known yet).
    Bytes data_;
    size_t at_ = 0;
    size_t end_ = 0;
    Bytes tail_;
    bool tailWaiting_ = false;
};

}  // namespace meshx::rpc::wire
