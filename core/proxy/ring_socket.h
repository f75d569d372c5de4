#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>

struct io_uring_cqe;

namespace meshx::proxy {

class IoHandler;
class UringLoop;

// A relay socket whose bytes move through the loop's io_uring instead of recv()/send() calls.
// Internal to the proxy library; created by UringLoop::adopt().
//
//   kernel ──recv (provided buffer)──▶ inbound queue ──read()──▶ transport / SocketBio
//   transport / SocketBio ──write()──▶ queued ──▶ in flight ──send──▶ kernel
//
// It keeps BytePump's readiness model: a receive completion is reported to the handler as
// EPOLLIN (EPOLLRDHUP at the end of stream, EPOLLERR on an error), and read() on an empty queue
// says EAGAIN as recv() did. write() copies and returns at once; it takes fewer bytes (EAGAIN
// when none) while more than kOutboundLimit are unsent, and the send completion that brings them
// under half of it reports EPOLLOUT. One (multishot) receive and one send are in flight at most;
// the receive is cancelled while kInboundLimit bytes or more wait to be read and armed again
// when the reader caught up, so a slow reader still stalls the writer and memory stays bounded.
class RingSocket {
  public:
    static constexpr size_t kInboundLimit = 128 * 1024;
    static constexpr size_t kOutboundLimit = 256 * 1024;

    // Loop thread, through UringLoop::adopt().
    RingSocket(UringLoop& loop, int fd, IoHandler* handler);

    // Loop thread. Like recv(): bytes (> 0), 0 at the end of stream, -1 with `*err` (EAGAIN
    // while the queue is empty).
    ssize_t read(char* dst, size_t len, int* err);
    // Loop thread. Whether the inbound queue is empty (the next read() would say EAGAIN or EOF).
    bool drained() const { return pendingOffset_ == pending_.size() && directLength_ == 0; }
    // Loop thread. Like send(): bytes taken (0 when over the limit: EAGAIN), -1 with `*err`
    // after a failed send.
    ssize_t write(const char* src, size_t len, int* err);
    // Loop thread. Whether a write shutdown must wait: written bytes are still on their way to
    // the kernel and the FIN has to follow them. When it must, EPOLLOUT says they are out.
    bool shutdownMustWait() {
        if (inFlight_.empty() && queued_.empty()) {
            return false;
        }
        drainWaiter_ = true;
        return true;
    }

    // Loop thread. The transport is done: no more events, pending operations are cancelled, and
    // `fd` (ownership passes here) is closed when the last of them completed. The object frees
    // itself then.
    void release(int fd);

    // Loop thread, for UringLoop.
    void onRecv(const io_uring_cqe& cqe);
    void onSend(const io_uring_cqe& cqe);
    void armRecv();
    bool released() const { return released_; }
    // Loop thread, for UringLoop's destructor (the ring is gone): closes a released fd and frees.
    void destroy();

  private:
    // Unread bytes from which no receive is armed: any with a multishot receive (it would keep
    // delivering), kInboundLimit with single-shot ones.
    size_t unreadLimit() const;
    void handleRecv(const io_uring_cqe& cqe, bool hasBuffer, uint16_t id);
    void handleSend(const io_uring_cqe& cqe);
    // Bytes written but not yet taken by the kernel: the rest of the send in flight and what is
    // gathered behind it.
    size_t unsent() const { return (inFlight_.size() - inFlightOffset_) + queued_.size(); }
    void submitSend();
    void notify(uint32_t events);
    void maybeFree();
    uint64_t tag(uint64_t op) const;

    UringLoop& loop_;
    int fd_;
    IoHandler* handler_;
    // Received bytes not read yet: those the handler left of earlier completions, then (only
    // while a completion is handled) the rest of the kernel's buffer.
    std::string pending_;
    size_t pendingOffset_ = 0;
    const char* direct_ = nullptr;
    size_t directLength_ = 0;
    bool recvArmed_ = false;
    bool pausing_ = false;  // a cancel of the multishot receive is on its way (backpressure)
    bool starved_ = false;
    bool eof_ = false;
    int recvError_ = 0;

    std::string inFlight_;
    size_t inFlightOffset_ = 0;
    std::string queued_;
    bool sendArmed_ = false;
    int sendError_ = 0;
    bool writerBlocked_ = false;
    bool drainWaiter_ = false;

    bool released_ = false;
    // Operations in flight, plus one while a completion is handled (a handler may release).
    int ops_ = 0;
};

}  // namespace meshx::proxy
