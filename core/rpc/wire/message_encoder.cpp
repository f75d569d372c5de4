#include "rpc/wire/message_encoder.h"

#include "rpc/wire/outer_framing.h"

namespace meshx::rpc::wire {

WireError MessageEncoder::begin(uint8_t firstFlag, uint64_t blkMaxSize, uint64_t reqRef,
                                std::string_view connRef, uint8_t serFlag, std::string_view funName,
                                ByteView payload) {
    const bool request = firstFlag != flag::kReplyFirst;
    nextSeq_ = 0;
    if (WireError e = planFragments(request, blkMaxSize, payload.size(), connRef.size(),
                                    request ? funName.size() : 0, plan_);
        e != WireError::Ok) {
        return e;
    }
    header_ = BlockHeader{};
    header_.flag = firstFlag;
    header_.reqRef = reqRef;
    header_.connRef = connRef;
    header_.serFlag = serFlag;
    header_.funName = request ? funName : std::string_view{};
    payload_ = payload;
    nextSeq_ = plan_.count;
    return WireError::Ok;
}

bool MessageEncoder::next(Block& out) {
    if (nextSeq_ == 0)
        return false;
    const uint64_t seq = nextSeq_--;
    BlockHeader h = header_;
    if (seq != 1)
        h.flag = static_cast<uint8_t>(header_.flag + 1);
    h.seq = seq;
    h.dataSize = plan_.size(seq);
    ByteView data =
        payload_.subspan(static_cast<size_t>(plan_.offset(seq)), static_cast<size_t>(h.dataSize));

    head_.resize(kBlockPrefix);
    appendBlockHeader(h, head_);
    trailer_.clear();
    if (cks_ != nullptr) {
        cks_->compute({ByteView(head_).subspan(kBlockPrefix), data}, sum_);
        appendCksTrailer(h.flag, sum_, trailer_);
    }
    storePrefix(head_.data(), kBlockPrefix,
                head_.size() - kBlockPrefix + data.size() + trailer_.size());
    out = Block{head_, data, trailer_, seq};
    return true;
}

}  // namespace meshx::rpc::wire
