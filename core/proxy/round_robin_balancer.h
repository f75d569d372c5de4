#pragma once

#include <chrono>
#include <string>
#include <unordered_map>
#include <vector>

#include "proxy/upstream_instance.h"

namespace meshx::proxy {

// Picks instances in turn (Meshx's choice; Consul picks at random), skipping any that failed a
// dial moments ago so the next connections go straight to the survivors instead of paying a
// failed attempt each until the agent marks the dead one critical. Single thread (the loop's).
class RoundRobinBalancer {
  public:
    using Clock = std::chrono::steady_clock;

    explicit RoundRobinBalancer(std::chrono::milliseconds quarantine = std::chrono::seconds(5))
        : quarantine_(quarantine) {}

    // Replaces the instance list; the turn order carries on where it was.
    void setInstances(std::vector<UpstreamInstance> instances);
    const std::vector<UpstreamInstance>& instances() const { return instances_; }

    // The next instance whose id is not in `tried`, preferring ones without a recent failure;
    // nullptr when every instance has been tried. The pointer is valid until setInstances().
    const UpstreamInstance* pick(const std::vector<std::string>& tried, Clock::time_point now);

    void reportFailure(const std::string& id, Clock::time_point now);
    void reportSuccess(const std::string& id);

  private:
    std::chrono::milliseconds quarantine_;
    std::vector<UpstreamInstance> instances_;
    size_t next_ = 0;
    std::unordered_map<std::string, Clock::time_point> failedAt_;
};

}  // namespace meshx::proxy
