#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "proxy/outlier_detector.h"
#include "proxy/upstream_instance.h"

namespace meshx::proxy {

// Picks instances in turn (Meshx's choice; Consul picks at random), skipping any that the
// outlier detector ejected after a failure moments ago, so the next connections go straight to
// the survivors instead of paying a failed attempt each until the agent marks the dead one
// critical. Single thread (the loop's).
class RoundRobinBalancer {
  public:
    using Clock = std::chrono::steady_clock;

    RoundRobinBalancer() = default;
    explicit RoundRobinBalancer(OutlierDetector::Settings ejection) : outliers_(ejection) {}

    // Replaces the instance list; the turn order carries on where it was.
    void setInstances(std::vector<UpstreamInstance> instances);
    const std::vector<UpstreamInstance>& instances() const { return instances_; }

    // The next instance whose id is not in `tried`, skipping ejected ones; when every one left
    // is ejected, the one whose ejection ends first (never black-hole). nullptr when every
    // instance has been tried. The pointer is valid until setInstances().
    const UpstreamInstance* pick(const std::vector<std::string>& tried, Clock::time_point now);

    // A connection to `id` failed: the ejection it caused, nullopt when already ejected.
    std::optional<OutlierDetector::Ejection> reportFailure(const std::string& id,
                                                           Clock::time_point now);
    // `id` proved usable; true when that ended an ejection record.
    bool reportSuccess(const std::string& id);
    bool ejected(const std::string& id, Clock::time_point now) const {
        return outliers_.ejected(id, now);
    }

  private:
    OutlierDetector outliers_;
    std::vector<UpstreamInstance> instances_;
    size_t next_ = 0;
};

}  // namespace meshx::proxy
