#include "proxy/outlier_detector.h"

#include <algorithm>

namespace meshx::proxy {

std::optional<OutlierDetector::Ejection> OutlierDetector::recordFailure(const std::string& id,
                                                                        Clock::time_point now) {
    Record& r = records_[id];
    if (r.consecutive > 0 && now < r.until) {
        return std::nullopt;
    }
    // base * 2^(n-1), capped; the shift stops growing long before it could overflow.
    const uint32_t shift = std::min<uint32_t>(r.consecutive, 16);
    auto duration = settings_.baseEjection * (int64_t{1} << shift);
    duration = std::min(duration, settings_.maxEjection);
    r.consecutive += 1;
    r.until = now + duration;
    return Ejection{duration, r.consecutive};
}

bool OutlierDetector::recordSuccess(const std::string& id) {
    return records_.erase(id) > 0;
}

bool OutlierDetector::ejected(const std::string& id, Clock::time_point now) const {
    auto it = records_.find(id);
    return it != records_.end() && now < it->second.until;
}

OutlierDetector::Clock::time_point OutlierDetector::ejectedUntil(const std::string& id) const {
    auto it = records_.find(id);
    return it == records_.end() ? Clock::time_point{} : it->second.until;
}

void OutlierDetector::retain(const std::vector<std::string>& present) {
    for (auto it = records_.begin(); it != records_.end();) {
        bool keep = std::find(present.begin(), present.end(), it->first) != present.end();
        it = keep ? std::next(it) : records_.erase(it);
    }
}

}  // namespace meshx::proxy
