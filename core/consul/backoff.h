#pragma once

#include <chrono>
#include <cstdint>
#include <random>

namespace meshx::consul {

// Jittered exponential back-off for retry loops (BlockingWatcher). The un-jittered delay starts
// at `initial` and doubles up to `max`; each returned delay is drawn uniformly from
// [d/2, d] ("equal jitter"), so many watchers failing together spread out, yet each still waits
// at least half the nominal delay. reset() after a success starts over.
class Backoff {
  public:
    struct Options {
        std::chrono::milliseconds initial{250};
        std::chrono::milliseconds max{std::chrono::seconds(30)};
    };

    // A fixed `seed` makes the sequence reproducible (tests); 0 seeds from std::random_device.
    explicit Backoff(Options options, uint64_t seed = 0);

    // Not thread-safe: one owner (the watcher thread).
    std::chrono::milliseconds next();
    void reset() { attempt_ = 0; }
    int attempts() const { return attempt_; }
    // The un-jittered delay the next call to next() is based on.
    std::chrono::milliseconds nominal() const;

  private:
    Options options_;
    int attempt_ = 0;
    std::mt19937_64 rng_;
};

}  // namespace meshx::consul
