#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "common/result.h"
#include "net/address.h"
#include "net/port_claim.h"

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
// When the cursors meet, a new lap starts with both cursors back at the ends. The cursors are
// this process's only; what keeps engines of different processes apart is the claim. A candidate
// is handed out only when all three hold:
//   1. it is not in `known`: ports the agent already has registered on this node (a service's
//      Port, a sidecar's LocalServicePort, upstreams' LocalBindPort), which covers services whose
//      program does not listen yet and engines that have exited leaving registrations behind;
//   2. this process gets the machine-wide PortClaim on it (a flock: atomic, so of engines racing
//      for the same port exactly one wins, and released by the kernel when the holder dies);
//   3. binding it on the configured ip succeeds right now (SO_REUSEADDR, as the proxies' own
//      listeners use), so ports held by programs that know nothing of Meshx are skipped.
// The claim is held for as long as the caller keeps it (ConsulMesh: as long as it owns the
// service); the port itself is bound later by whoever serves on it. Every call tries each port of
// the range at most once; when none qualifies it returns PortRangeExhausted.
class PortAllocator {
  public:
    enum class Direction {
        Up,    // service endpoints: ascending from the low end
        Down,  // upstream endpoints: descending from the high end
    };

    // Validates the range (min <= max, min >= 1) and that `ip` is a local IPv4/IPv6 address this
    // host can bind (InvalidArgument otherwise). Claims live in `claimDirectory` (every engine on
    // the host must use the same one; tests pass a directory of their own). Any thread.
    static Result<std::unique_ptr<PortAllocator>> create(
        std::string ip = "127.0.0.1", uint16_t min = 1024, uint16_t max = 65535,
        std::string claimDirectory = net::PortClaim::defaultDirectory());
    // portRangeIp, portRangeMin and portRangeMax of the config. Any thread.
    static Result<std::unique_ptr<PortAllocator>> fromConfig(const MeshConfig& config);

    // Claims the next port in `direction` that is not in `known`, not claimed by any process on
    // this host and bindable now (see the class comment). PortRangeExhausted when no port of
    // the range qualifies; IoError when probing or claiming itself fails (out of file
    // descriptors, unusable claim directory). Any thread.
    Result<std::unique_ptr<net::PortClaim>> claim(Direction direction,
                                                  const std::set<uint16_t>& known = {});

    // Whether a listener could take `address` right now (the probe of step 3). Any thread.
    static bool bindable(const net::Address& address);

    const std::string& ip() const { return ip_; }
    uint16_t min() const { return min_; }
    uint16_t max() const { return max_; }

  private:
    PortAllocator(std::string ip, bool v6, uint16_t min, uint16_t max, std::string claimDirectory);

    enum class Probe { Free, Busy, Failed };
    Probe probe(uint16_t port, int* err) const;
    // Steps 2 and 3 for one candidate: the claim, or null when the port is taken.
    Result<std::unique_ptr<net::PortClaim>> tryPort(uint16_t port);

    const std::string ip_;
    const bool v6_;
    const std::string claimDirectory_;
    const uint16_t min_;
    const uint16_t max_;

    std::mutex mutex_;
    // Next candidates; int so they may step one past either end. Free region: [nextUp_, nextDown_].
    int nextUp_;
    int nextDown_;
};

}  // namespace meshx::mesh
