#include "rpc/wire/message_assembler.h"

#include <algorithm>
#include <cstring>

namespace meshx::rpc::wire {

namespace {
// Largest message whose size is predicted (and allocated) from its first two blocks: a peer that
// announces a huge seq and stops sending makes us allocate at most this much. Larger messages
// grow as their blocks arrive.
constexpr uint64_t kMaxPredicted = 16u << 20;
}  // namespace

MessageAssembler::MessageAssembler(Role role, const Checksum* cks, uint64_t maxMessageSize)
    : role_(role), cks_(cks), maxMessageSize_(maxMessageSize) {}

void MessageAssembler::expectReply(uint64_t reqRef) {
    reset();
    expecting_ = true;
    expectedReqRef_ = reqRef;
}

void MessageAssembler::reset() {
    inMessage_ = false;
    lastSeq_ = 0;
    blocks_ = 0;
    frameBytes_ = 0;
    at_ = end_ = 0;
    tailWaiting_ = false;
}

WireError MessageAssembler::feed(ByteView payload, Event& event) {
    event = Event::NeedMore;
    if (!inMessage_) {
        blocks_ = 0;
        frameBytes_ = 0;
        at_ = end_ = 0;
        tailWaiting_ = false;
    }
    ++blocks_;
    frameBytes_ += payload.size();
    if (frameBytes_ > maxMessageSize_)
        return WireError::FrameTooLarge;

    BlockFrame frame;
    if (WireError e = decodeFrame(payload, frame); e != WireError::Ok)
        return e;
    const bool forUs = role_ == Role::Server ? isRequestFlag(frame.flag) : isReplyFlag(frame.flag);
    if (!forUs)
        return WireError::UnknownFlag;
    if (frame.connRef != peerConnRef_)
        return WireError::InvalidRef;
    if (role_ == Role::Client && (!expecting_ || frame.reqRef != expectedReqRef_)) {
        return WireError::InvalidRef;
    }
    return accept(frame, payload, event);
}

WireError MessageAssembler::accept(const BlockFrame& frame, ByteView payload, Event& event) {
    if (frame.flag == flag::kCastAck || frame.flag == flag::kError) {
        if (inMessage_)
            return WireError::InvalidRef;  // a reply inside a half-received reply
        reqRef_ = frame.reqRef;
        finalFlag_ = frame.flag;
        serFlag_ = frame.serFlag;
        expecting_ = false;
        if (frame.flag == flag::kCastAck) {
            event = Event::CastAck;
            return WireError::Ok;
        }
        place(frame.data, 1);
        event = Event::ErrorReply;
        return WireError::Ok;
    }

    const bool first = isFirstFragmentFlag(frame.flag);
    if (inMessage_) {
        if (frame.reqRef != reqRef_)
            return WireError::InvalidRef;
        if (first ? lastSeq_ != 2 : frame.seq != lastSeq_ - 1)
            return WireError::InvalidRef;
    }
    if (cks_ != nullptr) {
        cks_->compute({payload.first(frame.coveredSize)}, cksScratch_);
        if (asText(frame.cks) != cksScratch_)
            return WireError::InvalidCks;
    }
    reqRef_ = frame.reqRef;
    place(frame.data, frame.seq);
    if (!first) {
        inMessage_ = true;
        lastSeq_ = frame.seq;
        return WireError::Ok;
    }
    inMessage_ = false;
    finalFlag_ = frame.flag;
    serFlag_ = frame.serFlag;
    funName_.assign(frame.funName);
    expecting_ = false;
    event = Event::Message;
    return WireError::Ok;
}

void MessageAssembler::ensureSize(size_t n) {
    if (data_.size() < n)
        data_.resize(n);
}

void MessageAssembler::growFront(size_t need) {
    // Only for senders that cut differently from the plan (or a wrong guess of the size of seq
    // 1): doubling keeps it to about one move per byte.
    const size_t used = end_ - at_;
    const size_t extra = std::max(need, used);
    Bytes bigger(at_ + extra + used);
    if (used > 0)
        std::memcpy(bigger.data() + at_ + extra, data_.data() + at_, used);
    data_.swap(bigger);
    at_ += extra;
    end_ = at_ + used;
}

void MessageAssembler::place(ByteView data, uint64_t seq) {
    const size_t n = data.size();
    if (!inMessage_) {
        if (seq == 1) {
            // A one-block message (every small call): assign() copies without first
            // zero-filling, as a resize() of the client's fresh buffer would.
            data_.assign(data.begin(), data.end());
            at_ = 0;
            end_ = n;
            return;
        }
        // The highest block, the end of the payload: where it goes is known with the next one.
        tail_.assign(data.begin(), data.end());
        tailWaiting_ = true;
        at_ = end_ = 0;
        return;
    }
    if (tailWaiting_) {
        // The second block (seq K-1): the blocks still to come hold So = n bytes each, seq 1
        // So+7 (a reply) or So+5-F (a request), per planFragments().
        tailWaiting_ = false;
        const uint64_t tail = tail_.size();
        uint64_t total = tail + n;  // exact when this is seq 1; otherwise grown as needed
        if (seq >= 2 && seq - 1 <= kMaxPredicted / std::max<uint64_t>(n, 1)) {
            const int64_t firstExtra =
                role_ == Role::Client ? 7 : 5 - static_cast<int64_t>(funName_.size());
            const int64_t first = std::max<int64_t>(0, static_cast<int64_t>(n) + firstExtra);
            const uint64_t predicted = tail + (seq - 1) * n + static_cast<uint64_t>(first);
            if (predicted <= std::min(kMaxPredicted, maxMessageSize_))
                total = predicted;
        }
        const auto size = static_cast<size_t>(total);
        ensureSize(size);
        end_ = size;
        at_ = size - static_cast<size_t>(tail);
        if (tail > 0)
            std::memcpy(data_.data() + at_, tail_.data(), static_cast<size_t>(tail));
    }
    if (at_ < n)
        growFront(n - at_);
    at_ -= n;
    if (n > 0)
        std::memcpy(data_.data() + at_, data.data(), n);
}

void MessageAssembler::takeData(Bytes& out) {
    // Where the prediction was wrong the data does not start at 0: one move.
    const size_t n = end_ - at_;
    if (at_ > 0 && n > 0)
        std::memmove(data_.data(), data_.data() + at_, n);
    if (data_.size() != n)
        data_.resize(n);  // shrinks only: no zero-fill
    // Hand the buffer over and keep the caller's old one for the next message (a server gets
    // its last result's buffer back: no allocation, no zero-fill).
    out.swap(data_);
    at_ = end_ = 0;
    tailWaiting_ = false;
    inMessage_ = false;
}

}  // namespace meshx::rpc::wire
