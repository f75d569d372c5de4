#include "rpc/transport/frame_stream.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "rpc/wire/outer_framing.h"

namespace meshx::rpc::transport {

namespace {
// The read buffer of every connection. (Doubling it up to 1 MiB on bulk connections was tried:
// no gain in bench_rpc's 1 MiB echo, and it kept up to 1 MiB per connection.)
constexpr size_t kMinBuffer = 64 * 1024;
}  // namespace

void FrameStream::reset(int fd) {
    close();
    fd_ = fd;
    start_ = end_ = 0;
}

void FrameStream::close() {
    if (fd_ >= 0)
        ::close(fd_);
    fd_ = -1;
    start_ = end_ = 0;
}

void FrameStream::shutdown() {
    if (fd_ >= 0)
        ::shutdown(fd_, SHUT_RDWR);
}

IoResult FrameStream::waitFor(short events, Deadline deadline) {
    if (deadline == kNoDeadline)
        return {};
    for (;;) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left <= 0)
            return {IoStatus::Timeout};
        pollfd p{fd_, events, 0};
        const int rc = ::poll(&p, 1, left > INT32_MAX ? INT32_MAX : static_cast<int>(left) + 1);
        if (rc > 0)
            return {};
        if (rc < 0 && errno != EINTR)
            return {IoStatus::Failed, wire::WireError::Ok, errno};
    }
}

bool FrameStream::readable() {
    if (start_ != end_)
        return true;
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, 0) > 0;
}

IoResult FrameStream::fill(size_t needed, uint64_t maxPayload, Deadline deadline) {
    (void)maxPayload;
    if (buf_.size() - start_ < needed) {
        // Compact, then grow: the buffer is reused for the life of the connection.
        if (start_ > 0) {
            std::memmove(buf_.data(), buf_.data() + start_, end_ - start_);
            end_ -= start_;
            start_ = 0;
        }
        if (buf_.size() < needed)
            buf_.resize(std::max(needed, kMinBuffer));
    }
    while (end_ - start_ < needed) {
        if (IoResult w = waitFor(POLLIN, deadline); !w.ok())
            return w;
        const size_t room = buf_.size() - end_;
        const ssize_t n = ::recv(fd_, buf_.data() + end_, room, 0);
        if (n > 0) {
            end_ += static_cast<size_t>(n);
        } else if (n == 0) {
            return {IoStatus::Closed};
        } else if (errno != EINTR && errno != EAGAIN) {
            if (errno == ECONNRESET || errno == EPIPE || errno == ENOTCONN || errno == EBADF) {
                return {IoStatus::Closed, wire::WireError::Ok, errno};
            }
            return {IoStatus::Failed, wire::WireError::Ok, errno};
        }
    }
    return {};
}

IoResult FrameStream::readFrame(size_t prefixWidth, uint64_t maxPayload, Deadline deadline,
                                wire::ByteView& payload) {
    if (fd_ < 0)
        return {IoStatus::Closed};
    for (;;) {
        wire::FrameSlice slice;
        const wire::WireError e = wire::sliceFrame(
            wire::ByteView(buf_.data() + start_, end_ - start_), prefixWidth, maxPayload, slice);
        if (e != wire::WireError::Ok)
            return {IoStatus::BadFrame, e};
        if (slice.complete) {
            payload = slice.payload;
            start_ += slice.consumed;
            if (start_ == end_)
                start_ = end_ = 0;
            return {};
        }
        if (IoResult r = fill(slice.needed, maxPayload, deadline); !r.ok())
            return r;
    }
}

IoResult FrameStream::writeMessage(wire::MessageEncoder& encoder, Deadline deadline,
                                   uint64_t& blocks, uint64_t& bytes) {
    if (encoder.plan().count == 1) {
        // A one-block message (every small call): its views stay valid until the encoder's next
        // next(), so send them as they are, without the batch copies below.
        wire::MessageEncoder::Block b;
        if (!encoder.next(b))
            return {};
        iovec parts[3];
        int count = 0;
        parts[count++] = {const_cast<uint8_t*>(b.head.data()), b.head.size()};
        if (!b.data.empty())
            parts[count++] = {const_cast<uint8_t*>(b.data.data()), b.data.size()};
        if (!b.trailer.empty())
            parts[count++] = {const_cast<uint8_t*>(b.trailer.data()), b.trailer.size()};
        blocks += 1;
        bytes += b.head.size() - wire::kBlockPrefix + b.data.size() + b.trailer.size();
        return writeAll(parts, count, deadline);
    }
    if (batchHeads_.size() < kWriteBatch) {
        batchHeads_.resize(kWriteBatch);
        batchTrailers_.resize(kWriteBatch);
    }
    iovec parts[kWriteBatch * 3];
    const size_t batch = encoder.checksummed() ? kWriteBatchChecksummed : kWriteBatch;
    int count = 0;
    size_t inBatch = 0;
    wire::MessageEncoder::Block b;
    bool more = encoder.next(b);
    while (more) {
        wire::Bytes& head = batchHeads_[inBatch];
        head.assign(b.head.begin(), b.head.end());
        parts[count++] = {head.data(), head.size()};
        if (!b.data.empty())
            parts[count++] = {const_cast<uint8_t*>(b.data.data()), b.data.size()};
        if (!b.trailer.empty()) {
            wire::Bytes& trailer = batchTrailers_[inBatch];
            trailer.assign(b.trailer.begin(), b.trailer.end());
            parts[count++] = {trailer.data(), trailer.size()};
        }
        ++inBatch;
        blocks += 1;
        bytes += b.head.size() - wire::kBlockPrefix + b.data.size() + b.trailer.size();
        more = encoder.next(b);
        if (inBatch == batch || !more) {
            if (IoResult r = writeAll(parts, count, deadline); !r.ok())
                return r;
            count = 0;
            inBatch = 0;
        }
    }
    return {};
}

IoResult FrameStream::writeAll(iovec* parts, int count, Deadline deadline) {
    if (fd_ < 0)
        return {IoStatus::Closed};
    while (count > 0) {
        if (IoResult w = waitFor(POLLOUT, deadline); !w.ok())
            return w;
        msghdr msg{};
        msg.msg_iov = parts;
        msg.msg_iovlen = static_cast<size_t>(count);
        const ssize_t n = ::sendmsg(fd_, &msg, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            if (errno == EPIPE || errno == ECONNRESET || errno == ENOTCONN || errno == EBADF) {
                return {IoStatus::Closed, wire::WireError::Ok, errno};
            }
            return {IoStatus::Failed, wire::WireError::Ok, errno};
        }
        auto left = static_cast<size_t>(n);
        while (count > 0 && left >= parts->iov_len) {
            left -= parts->iov_len;
            ++parts;
            --count;
        }
        if (count > 0) {
            parts->iov_base = static_cast<uint8_t*>(parts->iov_base) + left;
            parts->iov_len -= left;
        }
    }
    return {};
}

IoResult FrameStream::writeFrame(size_t prefixWidth, wire::ByteView payload, Deadline deadline) {
    uint8_t prefix[4];
    wire::storePrefix(prefix, prefixWidth, payload.size());
    iovec parts[2] = {{prefix, prefixWidth},
                      {const_cast<uint8_t*>(payload.data()), payload.size()}};
    return writeAll(parts, 2, deadline);
}

}  // namespace meshx::rpc::transport
