#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "common/result.h"
#include "consul/cancel_token.h"

namespace meshx::consul {
class ConsulApi;
}

namespace meshx::mesh {

// Something that must interrupt a wait for passing (a sidecar exiting during start-up). Copies
// share one state. Any thread.
class WaitInterrupt {
  public:
    WaitInterrupt();
    // Cancels the round in flight and every later arm() until rearm() is called with `seen`
    // equal to the count of fires: a fire between two rounds is not lost.
    void fire() const;
    // The token for the next round; already cancelled when a fire came since `seen`.
    consul::CancelToken arm(uint64_t& seen) const;

  private:
    struct State {
        std::mutex mutex;
        uint64_t fired = 0;
        consul::CancelToken current;
    };
    std::shared_ptr<State> state_;
};

// Waits until services pass, with index-blocking queries on GET /health/checks/:name: the agent
// answers as soon as a check of that service name changes, so a start learns that its first TTL
// update landed within one round trip, where MeshxConsul polls every 50-100 ms.
//
// A service passes when it has no check in another state than passing (what
// /agent/health/service/id answers 200 to; a service without checks passes).
//
// Thread: blocks the calling thread; never call it on an event-loop thread that must stay
// responsive (the engine's runtime thread delivers the TTL updates being waited for).
class PassingWaiter {
  public:
    explicit PassingWaiter(consul::ConsulApi& api) : api_(api) {}

    // Waits until every id of `ids` (instances of service `name`) passes, `deadline` passes, or
    // `interrupt` fires. Returns the ids not passing yet (empty: all pass). A fire ends the
    // wait early with the ids not passing at that time; the caller looks at why and may wait
    // again. Agent errors are returned as they are.
    Result<std::set<std::string>> wait(const std::string& name, std::set<std::string> ids,
                                       std::chrono::steady_clock::time_point deadline,
                                       const WaitInterrupt& interrupt, uint64_t& seen);

  private:
    consul::ConsulApi& api_;
};

}  // namespace meshx::mesh
