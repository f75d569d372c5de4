#include "proxy/ring_socket.h"

#include <liburing.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "proxy/event_loop.h"
#include "proxy/uring_loop.h"

namespace meshx::proxy {

RingSocket::RingSocket(UringLoop& loop, int fd, IoHandler* handler)
    : loop_(loop), fd_(fd), handler_(handler) {}

uint64_t RingSocket::tag(uint64_t op) const {
    return reinterpret_cast<uintptr_t>(this) | op;
}

void RingSocket::notify(uint32_t events) {
    if (handler_ != nullptr) {
        handler_->handleEvents(events);
    }
}

size_t RingSocket::unreadLimit() const {
    return loop_.multishotRecv() ? 1 : kInboundLimit;
}

void RingSocket::armRecv() {
    starved_ = false;
    if (recvArmed_ || released_ || eof_ || recvError_ != 0 ||
        pending_.size() - pendingOffset_ >= unreadLimit()) {
        return;
    }
    io_uring_sqe* s = loop_.sqe();
    if (loop_.multishotRecv()) {
        // Stays armed across completions (IORING_CQE_F_MORE): no re-arm and no recv attempt
        // that finds nothing, per message.
        io_uring_prep_recv_multishot(s, fd_, nullptr, 0, 0);
    } else {
        io_uring_prep_recv(s, fd_, nullptr, UringLoop::kBufferSize, 0);
    }
    s->flags |= IOSQE_BUFFER_SELECT;
    s->buf_group = UringLoop::kBufferGroup;
    io_uring_sqe_set_data64(s, tag(UringLoop::kRecv));
    recvArmed_ = true;
    ++ops_;
}

void RingSocket::onRecv(const io_uring_cqe& cqe) {
    // The operation's count is held until the end: the handler may release this socket.
    const bool more = (cqe.flags & IORING_CQE_F_MORE) != 0;
    if (!more) {
        recvArmed_ = false;
        pausing_ = false;
    }
    const bool hasBuffer = (cqe.flags & IORING_CQE_F_BUFFER) != 0;
    const auto id = static_cast<uint16_t>(cqe.flags >> IORING_CQE_BUFFER_SHIFT);
    handleRecv(cqe, hasBuffer, id);
    if (!released_) {
        const size_t unread = pending_.size() - pendingOffset_;
        if (recvArmed_ && unread >= unreadLimit() && !pausing_) {
            // Backpressure: the reader left bytes (its destination is full), so stop the
            // multishot receive until it has read them all (read() arms it again); what arrives
            // before the cancel lands is queued.
            io_uring_sqe* s = loop_.sqe();
            io_uring_prep_cancel64(s, tag(UringLoop::kRecv), 0);
            io_uring_sqe_set_data64(s, UringLoop::kIgnore);
            pausing_ = true;
        } else if (!recvArmed_ && !starved_) {
            armRecv();  // a single-shot receive, or a multishot one that ended
        }
    }
    if (!more) {
        --ops_;
    }
    maybeFree();
}

void RingSocket::handleRecv(const io_uring_cqe& cqe, bool hasBuffer, uint16_t id) {
    if (released_) {
        if (hasBuffer) {
            loop_.returnBuffer(id);
        }
        return;
    }
    if (cqe.res > 0 && hasBuffer) {
        const auto n = static_cast<size_t>(cqe.res);
        if (pending_.size() == pendingOffset_) {
            pending_.clear();
            pendingOffset_ = 0;
            // The usual case: the handler reads straight from the kernel's buffer, and only what
            // it leaves (its destination is full) is copied, so buffers go back at once and a
            // stalled connection never holds one.
            direct_ = loop_.buffer(id);
            directLength_ = n;
            notify(EPOLLIN);
            if (directLength_ > 0 && !released_) {
                pending_.assign(direct_, directLength_);
                pendingOffset_ = 0;
            }
            direct_ = nullptr;
            directLength_ = 0;
        } else {
            if (pendingOffset_ > 0) {
                // Drop what was read already, or a queue that never quite drains would keep
                // growing at the front.
                pending_.erase(0, pendingOffset_);
                pendingOffset_ = 0;
            }
            pending_.append(loop_.buffer(id), n);
            notify(EPOLLIN);
        }
        loop_.returnBuffer(id);
        return;
    }
    if (hasBuffer) {
        loop_.returnBuffer(id);
    }
    if (cqe.res == 0) {
        eof_ = true;
        notify(EPOLLIN | EPOLLRDHUP);
    } else if (cqe.res == -ENOBUFS) {
        starved_ = true;
        loop_.waitForBuffer(this);
    } else if (cqe.res == -EINVAL && loop_.multishotRecv()) {
        loop_.disableMultishotRecv();  // an older kernel: single-shot receives from now on
    } else if (cqe.res == -EINTR || cqe.res == -EAGAIN || cqe.res == -ECANCELED) {
        // armed again by onRecv() (a cancelled one once the reader caught up)
    } else {
        recvError_ = -cqe.res;
        notify(EPOLLIN | EPOLLERR);
    }
}

ssize_t RingSocket::read(char* dst, size_t len, int* err) {
    size_t got = 0;
    if (pendingOffset_ < pending_.size()) {
        got = std::min(len, pending_.size() - pendingOffset_);
        std::memcpy(dst, pending_.data() + pendingOffset_, got);
        pendingOffset_ += got;
        if (pendingOffset_ == pending_.size()) {
            pending_.clear();
            pendingOffset_ = 0;
        }
    }
    if (got < len && directLength_ > 0) {
        const size_t n = std::min(len - got, directLength_);
        std::memcpy(dst + got, direct_, n);
        direct_ += n;
        directLength_ -= n;
        got += n;
    }
    if (got > 0) {
        if (!recvArmed_ && !starved_) {
            armRecv();  // below the inbound limit again
        }
        return static_cast<ssize_t>(got);
    }
    if (recvError_ != 0) {
        *err = recvError_;
        return -1;
    }
    if (eof_) {
        return 0;
    }
    *err = EAGAIN;
    return -1;
}

ssize_t RingSocket::write(const char* src, size_t len, int* err) {
    if (sendError_ != 0) {
        *err = sendError_;
        return -1;
    }
    const size_t waiting = unsent();
    const size_t room = waiting >= kOutboundLimit ? 0 : kOutboundLimit - waiting;
    const size_t n = std::min(len, room);
    if (n < len) {
        writerBlocked_ = true;
    }
    if (n == 0) {
        *err = EAGAIN;
        return -1;
    }
    if (!sendArmed_) {
        inFlight_.assign(src, n);
        inFlightOffset_ = 0;
        submitSend();
    } else {
        queued_.append(src, n);  // gathered behind the send in flight
    }
    return static_cast<ssize_t>(n);
}

void RingSocket::submitSend() {
    io_uring_sqe* s = loop_.sqe();
    // MSG_NOSIGNAL: a reset peer is an error to report, not a SIGPIPE.
    io_uring_prep_send(s, fd_, inFlight_.data() + inFlightOffset_,
                       inFlight_.size() - inFlightOffset_, MSG_NOSIGNAL);
    io_uring_sqe_set_data64(s, tag(UringLoop::kSend));
    loop_.noteSend();
    sendArmed_ = true;
    ++ops_;
}

void RingSocket::onSend(const io_uring_cqe& cqe) {
    sendArmed_ = false;
    handleSend(cqe);
    --ops_;  // held until here: the handler may release this socket
    maybeFree();
}

void RingSocket::handleSend(const io_uring_cqe& cqe) {
    if (released_) {
        return;
    }
    if (cqe.res >= 0) {
        inFlightOffset_ += static_cast<size_t>(cqe.res);
    } else if (cqe.res != -EINTR && cqe.res != -EAGAIN) {
        sendError_ = -cqe.res;
        inFlight_.clear();
        queued_.clear();
        inFlightOffset_ = 0;
        notify(EPOLLOUT | EPOLLERR);
        return;
    }
    if (inFlightOffset_ >= inFlight_.size()) {
        inFlight_.clear();
        inFlightOffset_ = 0;
        inFlight_.swap(queued_);
    }
    if (inFlightOffset_ < inFlight_.size()) {
        submitSend();  // a short send, or what was gathered meanwhile
    }
    const size_t waiting = unsent();
    if ((writerBlocked_ && waiting <= kOutboundLimit / 2) || (drainWaiter_ && waiting == 0)) {
        writerBlocked_ = false;
        drainWaiter_ = false;
        notify(EPOLLOUT);
    }
}

void RingSocket::release(int fd) {
    handler_ = nullptr;
    released_ = true;
    fd_ = fd;
    pending_.clear();
    if (starved_) {
        loop_.stopWaitingForBuffer(this);
    }
    if (ops_ > 0 && loop_.onOwnerThread()) {
        // (Off the loop thread the loop has stopped: destroying the ring cancels them.)
        io_uring_sqe* s = loop_.sqe();
        io_uring_prep_cancel_fd(s, fd_, IORING_ASYNC_CANCEL_ALL);
        io_uring_sqe_set_data64(s, UringLoop::kIgnore);
    }
    maybeFree();
}

void RingSocket::maybeFree() {
    if (released_ && ops_ == 0) {
        loop_.forget(this);
        destroy();
    }
}

void RingSocket::destroy() {
    if (released_ && fd_ >= 0) {
        ::close(fd_);
    }
    delete this;
}

}  // namespace meshx::proxy
