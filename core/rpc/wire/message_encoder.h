#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "rpc/wire/block_codec.h"
#include "rpc/wire/bytes.h"
#include "rpc/wire/checksum.h"
#include "rpc/wire/fragment_plan.h"
#include "rpc/wire/wire_error.h"

namespace meshx::rpc::wire {

// Sender side of §5: cuts a serialized payload into blocks with planFragments() and yields them in
// wire order (seq K first, seq 1 last). Each block is three views — 4-byte length prefix + header,
// the payload slice itself (never copied) and the checksum trailer — ready for one writev().
// Header and trailer buffers are reused between blocks and messages. One instance per connection;
// not thread-safe; the views stay valid until the next call to next() or begin().
class MessageEncoder {
  public:
    struct Block {
        ByteView head;     // outer length prefix (u32) + block header through the u64 data length
        ByteView data;     // slice of the caller's payload
        ByteView trailer;  // checksum trailer, empty when checksums are off
        uint64_t seq = 1;
    };

    // `cks` null means checksums are off.
    explicit MessageEncoder(const Checksum* cks) : cks_(cks) {}

    // Starts a message. `firstFlag` is 0x0A (cast), 0x32 (call) or 0x37 (response); seq >= 2
    // blocks get firstFlag + 1. `funName` is used for requests only. `payload` must outlive the
    // blocks. Errors: InvalidPktSize.
    WireError begin(uint8_t firstFlag, uint64_t blkMaxSize, uint64_t reqRef,
                    std::string_view connRef, uint8_t serFlag, std::string_view funName,
                    ByteView payload);
    // The next block in wire order; false when all were yielded.
    bool next(Block& out);

    const FragmentPlan& plan() const { return plan_; }
    // True when blocks carry checksums.
    bool checksummed() const { return cks_ != nullptr; }

  private:
    const Checksum* cks_;
    FragmentPlan plan_;
    BlockHeader header_;
    ByteView payload_;
    uint64_t nextSeq_ = 0;  // 0: done
    Bytes head_;
    Bytes trailer_;
    std::string sum_;
};

}  // namespace meshx::rpc::wire
