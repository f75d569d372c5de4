#include "proxy/round_robin_balancer.h"

#include <algorithm>

namespace meshx::proxy {

void RoundRobinBalancer::setInstances(std::vector<UpstreamInstance> instances) {
    instances_ = std::move(instances);
    // Forget failures of instances that left: if one comes back, it starts with a clean slate.
    for (auto it = failedAt_.begin(); it != failedAt_.end();) {
        bool present = std::any_of(instances_.begin(), instances_.end(),
                                   [&](const UpstreamInstance& i) { return i.id == it->first; });
        it = present ? std::next(it) : failedAt_.erase(it);
    }
}

const UpstreamInstance* RoundRobinBalancer::pick(const std::vector<std::string>& tried,
                                                 Clock::time_point now) {
    const size_t n = instances_.size();
    const UpstreamInstance* fallback = nullptr;
    size_t fallbackIndex = 0;
    for (size_t k = 0; k < n; ++k) {
        size_t i = (next_ + k) % n;
        const auto& inst = instances_[i];
        if (std::find(tried.begin(), tried.end(), inst.id) != tried.end()) {
            continue;
        }
        auto failed = failedAt_.find(inst.id);
        if (failed != failedAt_.end() && now - failed->second < quarantine_) {
            if (fallback == nullptr) {
                fallback = &inst;
                fallbackIndex = i;
            }
            continue;
        }
        next_ = i + 1;
        return &inst;
    }
    if (fallback != nullptr) {
        next_ = fallbackIndex + 1;
    }
    return fallback;
}

void RoundRobinBalancer::reportFailure(const std::string& id, Clock::time_point now) {
    failedAt_[id] = now;
}

void RoundRobinBalancer::reportSuccess(const std::string& id) {
    failedAt_.erase(id);
}

}  // namespace meshx::proxy
