#include "mesh/passing_waiter.h"

#include <algorithm>

#include "consul/catalog_endpoints.h"
#include "consul/consul_api.h"

namespace meshx::mesh {

namespace ep = consul::endpoints;
using Clock = std::chrono::steady_clock;

WaitInterrupt::WaitInterrupt() : state_(std::make_shared<State>()) {}

void WaitInterrupt::fire() const {
    std::lock_guard lock(state_->mutex);
    ++state_->fired;
    state_->current.cancel();
}

consul::CancelToken WaitInterrupt::arm(uint64_t& seen) const {
    std::lock_guard lock(state_->mutex);
    if (state_->fired == seen) {
        state_->current = consul::CancelToken();
    }
    seen = state_->fired;
    // Cancelled when a fire came since the caller last looked, so the round returns at once.
    return state_->current;
}

namespace {

// A filter naming one service id, when the id can be written as a filter string literal; the
// ids reaching here passed the engine's name check, which only lets '"' through of the
// characters that would need escaping.
std::string idFilter(const std::set<std::string>& ids) {
    if (ids.size() != 1 || ids.begin()->find('"') != std::string::npos) {
        return {};
    }
    return "ServiceID == \"" + *ids.begin() + "\"";
}

}  // namespace

Result<std::set<std::string>> PassingWaiter::wait(const std::string& name,
                                                  std::set<std::string> ids,
                                                  Clock::time_point deadline,
                                                  const WaitInterrupt& interrupt, uint64_t& seen) {
    const std::string filter = idFilter(ids);
    uint64_t index = 0;
    while (!ids.empty()) {
        consul::Blocking blocking;
        if (index > 0) {
            const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
            if (left.count() <= 0) {
                break;
            }
            blocking.index = index;
            blocking.wait = left;
        }
        auto call = ep::healthChecks(name, filter, blocking);
        call.request.cancel = interrupt.arm(seen);
        if (call.request.cancel.cancelled()) {
            break;
        }
        auto checks = api_.call(call);
        if (!checks) {
            if (checks.error().code == Code::Closed) {
                break;  // interrupted: the caller looks at why
            }
            return checks.error();
        }
        std::set<std::string> failing;
        for (const auto& c : checks->value) {
            if (c.status != "passing") {
                failing.insert(c.serviceId);
            }
        }
        for (auto it = ids.begin(); it != ids.end();) {
            it = failing.count(*it) ? std::next(it) : ids.erase(it);
        }
        // An index that does not grow would spin: read it as "nothing new yet" (reference
        // §1.8), as the blocking watcher does.
        index = std::max<uint64_t>(checks->index, std::max<uint64_t>(index, 1));
        if (Clock::now() >= deadline) {
            break;
        }
    }
    return ids;
}

}  // namespace meshx::mesh
