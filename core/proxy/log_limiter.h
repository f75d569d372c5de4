#pragma once

#include <chrono>
#include <cstdint>

namespace meshx::proxy {

// Lets a repeating log line through at most once per interval and counts what it held back,
// so a failure hit by every connection ("no healthy instances found") costs one line per
// interval, not one per connection. Single thread (the loop's).
class LogLimiter {
  public:
    using Clock = std::chrono::steady_clock;

    explicit LogLimiter(std::chrono::milliseconds interval = std::chrono::seconds(10))
        : interval_(interval) {}

    // True when a line may be written now; `*suppressed` is how many were held back since the
    // last one that was written.
    bool allow(Clock::time_point now, uint64_t* suppressed) {
        if (last_ != Clock::time_point{} && now - last_ < interval_) {
            ++held_;
            return false;
        }
        last_ = now;
        *suppressed = held_;
        held_ = 0;
        return true;
    }

  private:
    std::chrono::milliseconds interval_;
    Clock::time_point last_{};
    uint64_t held_ = 0;
};

}  // namespace meshx::proxy
