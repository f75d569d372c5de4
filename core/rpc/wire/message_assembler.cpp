#include "rpc/wire/message_assembler.h"

#include <cstring>

namespace meshx::rpc::wire {

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
    used_ = 0;
}

WireError MessageAssembler::feed(ByteView payload, Event& event) {
    event = Event::NeedMore;
    if (!inMessage_) {
        blocks_ = 0;
        frameBytes_ = 0;
        used_ = 0;
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
        keep(frame.data);
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
    keep(frame.data);
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

void MessageAssembler::keep(ByteView data) {
    if (used_ == pieces_.size())
        pieces_.emplace_back();
    Bytes& piece = pieces_[used_++];
    piece.assign(data.begin(), data.end());
}

void MessageAssembler::takeData(Bytes& out) {
    size_t total = 0;
    for (size_t i = 0; i < used_; ++i)
        total += pieces_[i].size();
    if (used_ == 1) {
        // The common single-block case: hand the buffer over and keep the caller's for reuse.
        out.swap(pieces_[0]);
        pieces_[0].clear();
    } else {
        out.resize(total);
        uint8_t* at = out.data();
        for (size_t i = used_; i-- > 0;) {
            if (!pieces_[i].empty())
                std::memcpy(at, pieces_[i].data(), pieces_[i].size());
            at += pieces_[i].size();
        }
    }
    used_ = 0;
    inMessage_ = false;
}

}  // namespace meshx::rpc::wire
