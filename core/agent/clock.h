#pragma once

#include <chrono>

namespace meshx::agent {

// Time source of the agent state: TTL deadlines use steady time, certificates and intention
// timestamps wall time. Tests inject a fake to move time by hand.
class Clock {
  public:
    virtual ~Clock() = default;
    // Monotonic now. Any thread.
    virtual std::chrono::steady_clock::time_point steadyNow() const = 0;
    // Wall-clock now. Any thread.
    virtual std::chrono::system_clock::time_point systemNow() const = 0;
};

// The real clocks.
class SystemClock final : public Clock {
  public:
    std::chrono::steady_clock::time_point steadyNow() const override {
        return std::chrono::steady_clock::now();
    }
    std::chrono::system_clock::time_point systemNow() const override {
        return std::chrono::system_clock::now();
    }
};

}  // namespace meshx::agent
