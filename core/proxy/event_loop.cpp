#include "proxy/event_loop.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "proxy/uring_loop.h"

namespace meshx::proxy {

// The eventfd that post() and quit() use to interrupt epoll_wait from other threads.
class EventLoop::Waker : public IoHandler {
  public:
    Waker() : fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
        if (fd_ < 0) {
            std::fprintf(stderr, "meshx-proxy: eventfd failed: %s\n", std::strerror(errno));
            std::abort();
        }
    }
    ~Waker() override { ::close(fd_); }
    int fd() const { return fd_; }

    void wake() {
        // Skip the system call when a wake-up is already on its way.
        if (!pending_.exchange(true)) {
            uint64_t one = 1;
            [[maybe_unused]] ssize_t n = ::write(fd_, &one, sizeof one);
        }
    }

    void handleEvents(uint32_t) override {
        uint64_t value = 0;
        [[maybe_unused]] ssize_t n = ::read(fd_, &value, sizeof value);
        pending_ = false;
    }

  private:
    int fd_;
    std::atomic<bool> pending_{false};
};

EventLoop::EventLoop() : waker_(std::make_unique<Waker>()), scratch_(buffers_.acquire()) {
    static std::once_flag ignoreSigpipe;
    std::call_once(ignoreSigpipe, [] { std::signal(SIGPIPE, SIG_IGN); });
    epfd_ = ::epoll_create1(EPOLL_CLOEXEC);
    if (epfd_ < 0) {
        std::fprintf(stderr, "meshx-proxy: epoll_create1 failed: %s\n", std::strerror(errno));
        std::abort();
    }
    watch(waker_->fd(), EPOLLIN, waker_.get());
    const char* wanted = std::getenv("MESHX_IO_BACKEND");
    wantUring_ = wanted == nullptr || std::strcmp(wanted, "epoll") != 0;
}

EventLoop::~EventLoop() {
    graveyard_.clear();
    timers_.clear();
    uring_.reset();  // frees what relay sockets left in flight
    ::close(epfd_);
}

void EventLoop::run() {
    loopThread_ = std::this_thread::get_id();
    // The ring is made by the loop thread, the only one that ever submits to it: when a ring is
    // torn down the kernel interrupts the tasks that used it (TWA_SIGNAL), and a blocking call
    // with a timeout in any such thread would fail with EINTR.
    if (wantUring_ && !uring_) {
        uring_ = UringLoop::create(&fallbackReason_);
        uringActive_ = uring_ != nullptr;
    }
    if (uring_) {
        runUring();
    } else {
        runEpoll();
    }
    // Tasks posted before quit() still run, so callers waiting on them are released.
    runTasks();
    graveyard_.clear();
    if (uring_) {
        uring_->settle(1000);
    }
}

bool EventLoop::pollEpoll(int timeoutMs) {
    constexpr int kMaxEvents = 256;
    epoll_event events[kMaxEvents];
    int n = ::epoll_wait(epfd_, events, kMaxEvents, timeoutMs);
    now_ = Clock::now();
    if (n < 0 && errno != EINTR) {
        std::fprintf(stderr, "meshx-proxy: epoll_wait failed: %s\n", std::strerror(errno));
        std::abort();
    }
    for (int i = 0; i < n; ++i) {
        static_cast<IoHandler*>(events[i].data.ptr)->handleEvents(events[i].events);
    }
    return n == kMaxEvents;
}

void EventLoop::runEpoll() {
    while (!quit_.load(std::memory_order_acquire)) {
        pollEpoll(nextTimeoutMs());
        runTimers();
        runTasks();
        graveyard_.clear();
    }
}

void EventLoop::runUring() {
    uring_->watchEpoll(epfd_);
    while (!quit_.load(std::memory_order_acquire)) {
        // Submits what the last iteration queued and waits, in one system call.
        uring_->wait(nextTimeoutMs());
        now_ = Clock::now();
        if (uring_->dispatch()) {
            // The epoll set has news: take it without waiting, then poll it again (one-shot,
            // so level-triggered watches that stay ready are seen again).
            while (pollEpoll(0)) {
            }
            uring_->watchEpoll(epfd_);
        }
        runTimers();
        runTasks();
        graveyard_.clear();
    }
}

void EventLoop::quit() {
    quit_.store(true, std::memory_order_release);
    waker_->wake();
}

void EventLoop::post(Task task) {
    {
        std::lock_guard lock(tasksMutex_);
        tasks_.push_back(std::move(task));
    }
    waker_->wake();
}

bool EventLoop::watch(int fd, uint32_t events, IoHandler* handler) {
    epoll_event ev{};
    ev.events = events;
    ev.data.ptr = handler;
    return ::epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) == 0;
}

bool EventLoop::rewatch(int fd, uint32_t events, IoHandler* handler) {
    epoll_event ev{};
    ev.events = events;
    ev.data.ptr = handler;
    return ::epoll_ctl(epfd_, EPOLL_CTL_MOD, fd, &ev) == 0;
}

void EventLoop::unwatch(int fd) {
    ::epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, nullptr);
}

EventLoop::TimerId EventLoop::runAfter(std::chrono::milliseconds delay, Task task) {
    TimerId id = nextTimerId_++;
    auto deadline = Clock::now() + delay;
    timers_.emplace(std::make_pair(deadline, id), std::move(task));
    timerDeadlines_.emplace(id, deadline);
    return id;
}

void EventLoop::cancelTimer(TimerId id) {
    auto it = timerDeadlines_.find(id);
    if (it == timerDeadlines_.end()) {
        return;
    }
    timers_.erase({it->second, id});
    timerDeadlines_.erase(it);
}

void EventLoop::destroyLater(std::shared_ptr<void> object) {
    graveyard_.push_back(std::move(object));
}

void EventLoop::runTimers() {
    while (!timers_.empty() && timers_.begin()->first.first <= now_) {
        auto node = timers_.extract(timers_.begin());
        timerDeadlines_.erase(node.key().second);
        node.mapped()();
    }
}

void EventLoop::runTasks() {
    {
        std::lock_guard lock(tasksMutex_);
        runningTasks_.swap(tasks_);
    }
    for (auto& task : runningTasks_) {
        task();
    }
    runningTasks_.clear();
}

int EventLoop::nextTimeoutMs() const {
    if (timers_.empty()) {
        return -1;
    }
    auto wait = timers_.begin()->first.first - Clock::now();
    if (wait <= Clock::duration::zero()) {
        return 0;
    }
    // Round up: waking a hair early would just spin once more.
    auto ms = std::chrono::ceil<std::chrono::milliseconds>(wait).count();
    return ms > 60000 ? 60000 : static_cast<int>(ms);
}

}  // namespace meshx::proxy
