#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

namespace meshx::telemetry::otlp {

// When to try a failed export again: exponential back-off with jitter, as the OTLP
// specification asks of exporters (initial 1 s, x2 per failure, at most 30 s; each wait drawn
// uniformly from [delay/2, delay] so many processes that lost the same collector do not come
// back in step). A success resets it. Pure apart from the injected random source; one thread.
class RetryBackoff {
  public:
    struct Options {
        std::chrono::milliseconds initial{1000};
        std::chrono::milliseconds max{30000};
        double multiplier = 2.0;
    };
    // `uniform01` returns a number in [0, 1); tests pass a fixed one.
    using Random = std::function<double()>;

    explicit RetryBackoff(Options options, Random uniform01 = {});

    // The wait before the next attempt after one more failure.
    std::chrono::milliseconds nextDelay();
    // After a success: the next failure waits `initial` again.
    void reset();
    // Failures since the last success.
    int failures() const { return failures_; }

  private:
    Options options_;
    Random random_;
    int failures_ = 0;
};

}  // namespace meshx::telemetry::otlp
