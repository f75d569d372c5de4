#include "proxy/uring_loop.h"

#include <poll.h>
#include <sys/mman.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "proxy/ring_socket.h"

namespace meshx::proxy {

namespace {

// Submission entries per ring: small, since a proxy host runs one loop per hosted sidecar; a
// full queue is submitted early (sqe()), and the kernel keeps overflowing completions.
constexpr unsigned kRingEntries = 256;

std::string errnoText(const char* what, int err) {
    return std::string(what) + ": " + std::strerror(err);
}

}  // namespace

std::unique_ptr<UringLoop> UringLoop::create(std::string* why) {
    std::unique_ptr<UringLoop> u(new UringLoop());
    io_uring_params params{};
    // Completion work runs only when the loop enters the kernel to wait (DEFER_TASKRUN, 6.1+):
    // no interruption of the loop thread per completion. Only the loop thread submits (it made
    // the ring), as SINGLE_ISSUER requires. Older kernels get the nearest they offer.
    const unsigned flagSets[] = {
        IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_SUBMIT_ALL,
        IORING_SETUP_COOP_TASKRUN | IORING_SETUP_SUBMIT_ALL, 0};
    int rc = -EINVAL;
    for (unsigned flags : flagSets) {
        params = io_uring_params{};
        params.flags = flags;
        rc = io_uring_queue_init_params(kRingEntries, &u->ring_, &params);
        if (rc != -EINVAL) {
            break;
        }
    }
    if (rc < 0) {
        *why = errnoText("io_uring_queue_init", -rc);
        return nullptr;
    }
    u->ringReady_ = true;
    const char* waitMode = std::getenv("MESHX_URING_WAIT");
    u->waitPastSends_ = waitMode != nullptr && std::strcmp(waitMode, "past-sends") == 0;
    const char* recvMode = std::getenv("MESHX_URING_RECV");
    u->multishotRecv_ = recvMode != nullptr && std::strcmp(recvMode, "multishot") == 0;
    if (!(params.features & IORING_FEAT_EXT_ARG) || !(params.features & IORING_FEAT_NODROP)) {
        *why = "io_uring: kernel lacks IORING_FEAT_EXT_ARG or IORING_FEAT_NODROP";
        return nullptr;
    }

    // The provided-buffer ring (liburing 2.3 has no io_uring_setup_buf_ring: set up by hand).
    u->bufRingBytes_ = sizeof(io_uring_buf) * kBufferCount;
    void* mem = ::mmap(nullptr, u->bufRingBytes_, PROT_READ | PROT_WRITE,
                       MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
    if (mem == MAP_FAILED) {
        *why = errnoText("mmap", errno);
        return nullptr;
    }
    u->bufRing_ = static_cast<io_uring_buf_ring*>(mem);
    io_uring_buf_reg reg{};
    reg.ring_addr = reinterpret_cast<uintptr_t>(mem);
    reg.ring_entries = kBufferCount;
    reg.bgid = kBufferGroup;
    rc = io_uring_register_buf_ring(&u->ring_, &reg, 0);
    if (rc < 0) {
        *why = errnoText("io_uring_register_buf_ring", -rc);
        return nullptr;
    }
    // new[] without initialisation: pages are touched only when the kernel first fills them.
    u->buffers_.reset(new char[kBufferSize * kBufferCount]);
    io_uring_buf_ring_init(u->bufRing_);
    const int mask = io_uring_buf_ring_mask(kBufferCount);
    for (unsigned i = 0; i < kBufferCount; ++i) {
        io_uring_buf_ring_add(u->bufRing_, u->buffer(static_cast<uint16_t>(i)), kBufferSize,
                              static_cast<unsigned short>(i), mask, static_cast<int>(i));
    }
    io_uring_buf_ring_advance(u->bufRing_, static_cast<int>(kBufferCount));
    u->freeBuffers_ = kBufferCount;
    return u;
}

UringLoop::~UringLoop() {
    if (ringReady_) {
        // Closing the ring cancels what is still in flight; the kernel drops its buffer uses.
        io_uring_queue_exit(&ring_);
    }
    // Nothing is in flight any more: sockets still waiting for completions go now.
    for (RingSocket* socket : sockets_) {
        socket->destroy();
    }
    sockets_.clear();
    if (bufRing_ != nullptr) {
        ::munmap(bufRing_, bufRingBytes_);
    }
}

io_uring_sqe* UringLoop::sqe() {
    io_uring_sqe* s = io_uring_get_sqe(&ring_);
    while (s == nullptr) {
        io_uring_submit(&ring_);
        s = io_uring_get_sqe(&ring_);
    }
    return s;
}

void UringLoop::settle(int maxMs) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(maxMs);
    auto releasedLeft = [this] {
        return std::any_of(sockets_.begin(), sockets_.end(),
                           [](const RingSocket* s) { return s->released(); });
    };
    while (releasedLeft() && std::chrono::steady_clock::now() < deadline) {
        wait(50);
        dispatch();
    }
}

void UringLoop::watchEpoll(int epfd) {
    io_uring_sqe* s = sqe();
    io_uring_prep_poll_add(s, epfd, POLLIN);
    io_uring_sqe_set_data64(s, kEpollPoll);
}

RingSocket* UringLoop::adopt(int fd, IoHandler* handler) {
    auto* socket = new RingSocket(*this, fd, handler);
    sockets_.insert(socket);
    socket->armRecv();
    return socket;
}

void UringLoop::wait(int timeoutMs) {
    int rc = 0;
    const unsigned sends = sendsQueued_;
    sendsQueued_ = 0;
    if (waitPastSends_ && sends > 0) {
        // Sends usually complete inline, so their completions alone would end the wait at once
        // and cost a second entry per message: wait for one completion more than that, for at
        // most 1 ms (a send that did not complete inline may keep the count from being reached).
        const int capMs = timeoutMs < 0 ? 1 : std::min(timeoutMs, 1);
        __kernel_timespec ts{};
        ts.tv_nsec = static_cast<long long>(capMs) * 1000000;
        io_uring_cqe* first = nullptr;
        rc = io_uring_submit_and_wait_timeout(&ring_, &first, sends + 1, &ts, nullptr);
    } else if (timeoutMs < 0) {
        rc = io_uring_submit_and_wait(&ring_, 1);
    } else {
        __kernel_timespec ts{};
        ts.tv_sec = timeoutMs / 1000;
        ts.tv_nsec = static_cast<long long>(timeoutMs % 1000) * 1000000;
        io_uring_cqe* first = nullptr;
        rc = io_uring_submit_and_wait_timeout(&ring_, &first, 1, &ts, nullptr);
    }
    if (rc < 0 && rc != -ETIME && rc != -EINTR && rc != -EBUSY && rc != -EAGAIN) {
        std::fprintf(stderr, "meshx-proxy: io_uring_enter failed: %s\n", std::strerror(-rc));
        std::abort();
    }
}

bool UringLoop::dispatch() {
    bool epollReady = false;
    // Handlers queue new submissions while this runs; they go out with the next wait.
    for (;;) {
        io_uring_cqe* cqes[64];
        unsigned n = io_uring_peek_batch_cqe(&ring_, cqes, 64);
        if (n == 0) {
            break;
        }
        for (unsigned i = 0; i < n; ++i) {
            dispatchOne(cqes[i], &epollReady);
        }
        io_uring_cq_advance(&ring_, n);
    }
    rearmStarved();
    return epollReady;
}

void UringLoop::dispatchOne(io_uring_cqe* cqe, bool* epollReady) {
    const uint64_t data = io_uring_cqe_get_data64(cqe);
    const uint64_t op = data & kOpMask;
    if (op == kEpollPoll) {
        *epollReady = true;
        return;
    }
    auto* socket = reinterpret_cast<RingSocket*>(static_cast<uintptr_t>(data & ~kOpMask));
    if (op == kRecv) {
        if (cqe->flags & IORING_CQE_F_BUFFER) {
            --freeBuffers_;
        }
        socket->onRecv(*cqe);
    } else if (op == kSend) {
        socket->onSend(*cqe);
    }
}

void UringLoop::returnBuffer(uint16_t id) {
    io_uring_buf_ring_add(bufRing_, buffer(id), kBufferSize, id,
                          io_uring_buf_ring_mask(kBufferCount), 0);
    io_uring_buf_ring_advance(bufRing_, 1);
    ++freeBuffers_;
}

void UringLoop::waitForBuffer(RingSocket* socket) {
    starved_.push_back(socket);
}

void UringLoop::stopWaitingForBuffer(RingSocket* socket) {
    starved_.erase(std::remove(starved_.begin(), starved_.end(), socket), starved_.end());
}

void UringLoop::rearmStarved() {
    // Receives that found no buffer try again once some came back (buffers are given back
    // within the completion that filled them, so this is rare: a burst of more completions than
    // buffers between two waits).
    unsigned budget = freeBuffers_;
    while (!starved_.empty() && budget > 0) {
        RingSocket* socket = starved_.front();
        starved_.erase(starved_.begin());
        socket->armRecv();
        --budget;
    }
}

}  // namespace meshx::proxy
