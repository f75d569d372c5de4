#pragma once

#include "agent/clock.h"

// A clock the test moves by hand (TTL expiry without waiting).
class FakeClock final : public meshx::agent::Clock {
  public:
    std::chrono::steady_clock::time_point steadyNow() const override { return steady_; }
    std::chrono::system_clock::time_point systemNow() const override { return system_; }
    void advance(std::chrono::nanoseconds d) {
        steady_ += std::chrono::duration_cast<std::chrono::steady_clock::duration>(d);
        system_ += std::chrono::duration_cast<std::chrono::system_clock::duration>(d);
    }

  private:
    std::chrono::steady_clock::time_point steady_{std::chrono::hours(1000)};
    std::chrono::system_clock::time_point system_{std::chrono::hours(480000)};
};
