#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "common/result.h"
#include "net/address.h"

namespace meshx {
struct MeshConfig;
}

namespace meshx::mesh {

// Hands out local TCP ports for mesh endpoints, as MeshxConsul's port generator does: service
// ports count up from the low end of the range, upstream ports count down from the high end, so
// the two kinds stay apart and a port is handed out at most once per lap.
//
//   min                                                           max
//   [ given up ... | nextUp_ -->    free region    <-- nextDown_ | ... given down ]
//
// When the cursors meet, a new lap starts with both cursors back at the ends. A candidate is
// handed out only if binding it on the configured ip succeeds right now (SO_REUSEADDR, as the
// proxies' own listeners use), so ports held by anyone are skipped. A port is not held after it is
// handed out: the caller binds it soon. Every call probes each port of the range at most once;
// when none is free it returns PortRangeExhausted.
class PortAllocator {
  public:
    enum class Direction {
        Up,    // service endpoints: ascending from the low end
        Down,  // upstream endpoints: descending from the high end
    };

    // Validates the range (min <= max, min >= 1) and that `ip` is a local IPv4/IPv6 address this
    // host can bind (InvalidArgument otherwise). Any thread.
    static Result<std::unique_ptr<PortAllocator>> create(std::string ip = "127.0.0.1",
                                                         uint16_t min = 1024, uint16_t max = 65535);
    // portRangeIp, portRangeMin and portRangeMax of the config. Any thread.
    static Result<std::unique_ptr<PortAllocator>> fromConfig(const MeshConfig& config);

    // The next free port in `direction`. PortRangeExhausted when no port of the range can be
    // bound; IoError when probing itself fails (e.g. out of file descriptors). Any thread:
    // calls are serialised, so concurrent callers never receive the same port within a lap.
    Result<uint16_t> allocate(Direction direction);
    // allocate() as `tcp://ip:port`. Any thread.
    Result<net::Address> allocateAddress(Direction direction);

    const std::string& ip() const { return ip_; }
    uint16_t min() const { return min_; }
    uint16_t max() const { return max_; }

  private:
    PortAllocator(std::string ip, bool v6, uint16_t min, uint16_t max);

    enum class Probe { Free, Busy, Failed };
    Probe probe(uint16_t port, int* err) const;

    const std::string ip_;
    const bool v6_;
    const uint16_t min_;
    const uint16_t max_;

    std::mutex mutex_;
    // Next candidates; int so they may step one past either end. Free region: [nextUp_, nextDown_].
    int nextUp_;
    int nextDown_;
};

}  // namespace meshx::mesh
