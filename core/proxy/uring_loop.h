#pragma once

#include <liburing.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

namespace meshx::proxy {

class IoHandler;
class RingSocket;

// The io_uring backend under EventLoop: one ring per loop, a ring of provided receive buffers,
// and the RingSockets that relay over them. Internal to the proxy library (includes liburing).
//
// Why: on this VM a system call costs microseconds, and the epoll relay paid three per message
// and hop (epoll_wait, recv, send). Here the sends and receives queued while handling one batch
// of completions go to the kernel in the same io_uring_enter that waits for the next batch.
//
// Everything that is not a relay socket (listeners, timers' owners, agent connections, the
// waker) stays in EventLoop's epoll set; the ring watches the epoll fd itself with a one-shot
// poll, re-armed after every drain, so level- and edge-triggered watches keep their meaning.
//
// Completions carry a RingSocket pointer with the operation in its low bits; a RingSocket lives
// until its last operation completed, even after its transport is gone (release()), so no
// completion ever names freed memory and no kernel write lands in a freed buffer.
class UringLoop {
  public:
    // Receive buffers: 64 of 64 KiB (four full TLS records each, BytePump's read size). Their
    // memory is virtual until used, so an idle loop (a hosted sidecar) costs little.
    static constexpr size_t kBufferSize = 64 * 1024;
    static constexpr unsigned kBufferCount = 64;

    // Any thread. Null with `*why` set when io_uring cannot be used here (io_uring_disabled,
    // seccomp, an old kernel without provided-buffer rings).
    static std::unique_ptr<UringLoop> create(std::string* why);
    ~UringLoop();
    UringLoop(const UringLoop&) = delete;
    UringLoop& operator=(const UringLoop&) = delete;

    // Loop thread. Submits everything queued and waits up to `timeoutMs` (-1: no limit) for at
    // least one completion, in one system call.
    void wait(int timeoutMs);
    // Loop thread. Handles every completion that arrived. Returns true when the epoll fd given
    // to watchEpoll() became readable (the caller drains it, then calls watchEpoll() again).
    bool dispatch();
    // Loop thread, after the last iteration. Lets the cancellations of released sockets reach
    // the kernel and complete (at most `maxMs`), so their fds close when the loop stops rather
    // than when it is destroyed (a stopped proxy's connections must end).
    void settle(int maxMs);
    // Loop thread. Arms the one-shot poll of `epfd` (EventLoop's epoll set).
    void watchEpoll(int epfd);

    // Loop thread. Takes over `fd` for relaying: its bytes move through the ring from now on and
    // readiness is reported to `handler` as synthesised epoll masks. The fd stays owned by the
    // caller until RingSocket::release().
    RingSocket* adopt(int fd, IoHandler* handler);

    // Loop thread, for RingSocket. A free submission entry (submits first when the queue is
    // full); never null.
    io_uring_sqe* sqe();
    // Whether the calling thread is the one that made the ring (the loop thread). Others never
    // submit: a thread that did would be interrupted (EINTR) when the ring is torn down.
    bool onOwnerThread() const { return std::this_thread::get_id() == owner_; }
    char* buffer(uint16_t id) { return buffers_.get() + size_t{id} * kBufferSize; }
    // Loop thread, for RingSocket. Gives a receive buffer back to the kernel and wakes sockets
    // whose receive found none.
    void returnBuffer(uint16_t id);
    void waitForBuffer(RingSocket* socket);
    // Loop thread, for RingSocket: a send was queued for the next wait.
    void noteSend() { ++sendsQueued_; }
    // Loop thread. Whether receives are multishot (kernel 6.0+): only with
    // MESHX_URING_RECV=multishot, an experiment (once hung a bulk transfer under load, cause not
    // found yet; see docs/benchmarks.md); switched off for good when the kernel refuses one.
    bool multishotRecv() const { return multishotRecv_; }
    void disableMultishotRecv() { multishotRecv_ = false; }
    void stopWaitingForBuffer(RingSocket* socket);

    static constexpr uint16_t kBufferGroup = 7;
    // Low bits of user_data: which operation completed.
    enum Op : uint64_t { kIgnore = 0, kEpollPoll = 1, kRecv = 2, kSend = 3, kOpMask = 7 };

  private:
    UringLoop() = default;
    void dispatchOne(io_uring_cqe* cqe, bool* epollReady);
    friend class RingSocket;
    // Loop thread, for RingSocket: every socket not freed yet (the destructor frees the rest).
    void forget(RingSocket* socket) { sockets_.erase(socket); }
    void rearmStarved();

    io_uring ring_{};
    std::thread::id owner_ = std::this_thread::get_id();
    bool ringReady_ = false;
    io_uring_buf_ring* bufRing_ = nullptr;
    size_t bufRingBytes_ = 0;
    std::unique_ptr<char[]> buffers_;
    unsigned freeBuffers_ = 0;
    bool multishotRecv_ = false;
    // MESHX_URING_WAIT=past-sends (experiment): the wait asks for one completion more than the
    // sends it submits.
    bool waitPastSends_ = false;
    unsigned sendsQueued_ = 0;
    std::vector<RingSocket*> starved_;
    std::unordered_set<RingSocket*> sockets_;
};

}  // namespace meshx::proxy
