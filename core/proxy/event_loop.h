#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "proxy/buffer_pool.h"

namespace meshx::proxy {

class UringLoop;

// Receives readiness events for one file descriptor registered with an EventLoop.
class IoHandler {
  public:
    virtual ~IoHandler() = default;
    // Loop thread. `events` is the epoll mask (EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLHUP, EPOLLRDHUP).
    virtual void handleEvents(uint32_t events) = 0;
};

// A reactor: one thread, one epoll set, timers and a task queue (the muduo shape).
//
// Two backends (backendName()): "io_uring" where the kernel allows it, else "epoll" (also when
// MESHX_IO_BACKEND=epoll). With io_uring the loop waits in io_uring_enter, which also submits
// the sends and receives of relay sockets queued during the last iteration (uring_loop.h); the
// epoll set below keeps every other watch, and the ring polls the epoll fd itself.
//
// Connections are registered edge-triggered for both directions once and never re-armed, so the
// hot path makes no epoll_ctl calls; handlers remember readiness themselves until a read or write
// reports EAGAIN. Objects that own registered fds are destroyed through destroyLater(): events
// already fetched in the same epoll_wait batch may still name them.
class EventLoop {
  public:
    using Clock = std::chrono::steady_clock;
    using Task = std::function<void()>;
    using TimerId = uint64_t;

    // Any thread. Ignores SIGPIPE process-wide (once): OpenSSL writes to sockets with write(2),
    // where a reset peer would otherwise kill the process.
    EventLoop();
    ~EventLoop();
    EventLoop(const EventLoop&) = delete;
    EventLoop& operator=(const EventLoop&) = delete;

    // The calling thread becomes the loop thread until quit() is honoured.
    void run();
    // Any thread. run() returns after the current iteration.
    void quit();
    // Any thread.
    bool inLoopThread() const { return std::this_thread::get_id() == loopThread_.load(); }

    // Any thread. Runs `task` on the loop thread after the current batch of events.
    void post(Task task);

    // Loop thread. Registers `fd` with `events` (EPOLLET is added by the caller when wanted).
    // Errors (EBADF, ENOMEM) are programming or resource errors and return false.
    bool watch(int fd, uint32_t events, IoHandler* handler);
    // Loop thread. Changes the event mask of a registered fd.
    bool rewatch(int fd, uint32_t events, IoHandler* handler);
    // Loop thread. Unregisters `fd`; closing the fd does the same implicitly.
    void unwatch(int fd);

    // Loop thread. Runs `task` once after `delay`; returns an id for cancelTimer().
    TimerId runAfter(std::chrono::milliseconds delay, Task task);
    // Loop thread. Cancelling an expired or unknown id is a no-op.
    void cancelTimer(TimerId id);

    // Loop thread. Destroys `object` after the current batch of events.
    void destroyLater(std::shared_ptr<void> object);

    // Any thread. "io_uring" or "epoll": decided when run() starts ("epoll" before).
    const char* backendName() const { return uringActive_.load() ? "io_uring" : "epoll"; }
    // Loop thread. Why io_uring is not used ("" when it is, or when epoll was asked for).
    const std::string& fallbackReason() const { return fallbackReason_; }
    // Loop thread. The io_uring backend; null on epoll.
    UringLoop* uring() { return uring_.get(); }

    // Loop thread. Time of the current iteration (cheap; no clock call per connection).
    Clock::time_point now() const { return now_; }

    // Loop thread. A buffer shared by every pump on this loop: bytes read are written on at once
    // from here, so an idle connection holds no buffer at all.
    char* scratch() { return scratch_.get(); }
    size_t scratchSize() const { return buffers_.blockSize(); }
    // Loop thread. Blocks of scratchSize() bytes for writes that must wait.
    BufferPool& buffers() { return buffers_; }

    // 64 KiB: four full TLS records per read, and large enough that bulk transfers cost few
    // system calls per megabyte.
    static constexpr size_t kBlockSize = 64 * 1024;

  private:
    class Waker;
    void runTimers();
    void runTasks();
    int nextTimeoutMs() const;
    void runEpoll();
    void runUring();
    // Handles what the epoll set has ready; `timeoutMs` as for epoll_wait. Returns whether the
    // batch was full (more may be waiting).
    bool pollEpoll(int timeoutMs);

    int epfd_ = -1;
    std::unique_ptr<UringLoop> uring_;
    bool wantUring_ = true;
    std::atomic<bool> uringActive_{false};
    std::string fallbackReason_;
    std::unique_ptr<Waker> waker_;
    std::atomic<std::thread::id> loopThread_{};
    std::atomic<bool> quit_{false};
    Clock::time_point now_ = Clock::now();

    std::mutex tasksMutex_;
    std::vector<Task> tasks_;
    std::vector<Task> runningTasks_;

    // Ordered by deadline, then by id so equal deadlines run in the order they were set.
    std::map<std::pair<Clock::time_point, TimerId>, Task> timers_;
    std::unordered_map<TimerId, Clock::time_point> timerDeadlines_;
    TimerId nextTimerId_ = 1;

    std::vector<std::shared_ptr<void>> graveyard_;
    BufferPool buffers_{kBlockSize, 256};
    BufferPool::Block scratch_;
};

}  // namespace meshx::proxy
