#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>

namespace meshx::consul {

// A shared "stop now" flag for in-flight requests. Copies share one state, so the copy inside a
// Request and the one the caller keeps cancel the same transfer.
//
// Why wakers and not only a flag: a blocking query may sit in poll() for up to ten minutes. The
// transport registers a waker (curl_multi_wakeup on its multi handle) for the duration of a
// transfer, so cancel() interrupts the poll at once instead of at the next progress tick.
class CancelToken {
  public:
    CancelToken();

    // Any thread. Idempotent. Wakes every transfer currently registered on this token.
    void cancel() const;
    // Any thread.
    bool cancelled() const;

    // RAII registration of a waker; unregisters on destruction so a waker never outlives the
    // transfer (and the curl handle) it belongs to.
    class Registration {
      public:
        Registration() = default;
        Registration(Registration&& other) noexcept;
        Registration& operator=(Registration&& other) noexcept;
        Registration(const Registration&) = delete;
        Registration& operator=(const Registration&) = delete;
        ~Registration();

      private:
        friend class CancelToken;
        struct State;
        std::shared_ptr<State> state_;
        uint64_t id_ = 0;
    };

    // Any thread. Runs `waker` on cancel() (on the cancelling thread, under the token's lock, so
    // it must be short and must not touch the token). If the token is already cancelled, the
    // waker runs before this returns.
    Registration onCancel(std::function<void()> waker) const;

  private:
    std::shared_ptr<Registration::State> state_;
};

struct CancelToken::Registration::State {
    std::atomic<bool> cancelled{false};
    std::mutex mutex;
    std::map<uint64_t, std::function<void()>> wakers;
    uint64_t nextId = 1;
};

}  // namespace meshx::consul
