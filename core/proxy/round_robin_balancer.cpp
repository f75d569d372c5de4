#include "proxy/round_robin_balancer.h"

#include <algorithm>

namespace meshx::proxy {

void RoundRobinBalancer::setInstances(std::vector<UpstreamInstance> instances) {
    instances_ = std::move(instances);
    std::vector<std::string> ids;
    ids.reserve(instances_.size());
    for (const auto& i : instances_) {
        ids.push_back(i.id);
    }
    outliers_.retain(ids);
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
        if (outliers_.ejected(inst.id, now)) {
            if (fallback == nullptr ||
                outliers_.ejectedUntil(inst.id) < outliers_.ejectedUntil(fallback->id)) {
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

std::optional<OutlierDetector::Ejection> RoundRobinBalancer::reportFailure(const std::string& id,
                                                                           Clock::time_point now) {
    return outliers_.recordFailure(id, now);
}

bool RoundRobinBalancer::reportSuccess(const std::string& id) {
    return outliers_.recordSuccess(id);
}

}  // namespace meshx::proxy
