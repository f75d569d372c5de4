#include "mesh/passing_waiter.h"

#include <algorithm>
#include <thread>

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

// Only the checks that are not passing: a batch of N instances then reads what still fails,
// not all N checks on every TTL update (at 1,000 services that re-read was most of the agent's
// and the engine's work). With one id, also that id, when it can be written as a filter string
// literal; the ids reaching here passed the engine's name check, which only lets '"' through of
// the characters that would need escaping.
std::string notPassingFilter(const std::set<std::string>& ids) {
    const std::string notPassing = "Status != \"passing\"";
    if (ids.size() != 1 || ids.begin()->find('"') != std::string::npos) {
        return notPassing;
    }
    return "ServiceID == \"" + *ids.begin() + "\" and " + notPassing;
}

// Errors that say the agent is slow or briefly gone rather than wrong: retried until the
// deadline (a loaded agent answering one read late must not fail a whole batch start).
bool transient(const Error& e) {
    return e.code == Code::Timeout || e.code == Code::AgentUnreachable;
}

// One blocking round waits at most this long, well inside the client's request timeout.
constexpr auto kMaxRoundWait = std::chrono::seconds(10);

}  // namespace

Result<std::set<std::string>> PassingWaiter::wait(const std::string& name,
                                                  std::set<std::string> ids,
                                                  Clock::time_point deadline,
                                                  const WaitInterrupt& interrupt, uint64_t& seen) {
    const std::string filter = notPassingFilter(ids);
    uint64_t index = 0;
    auto retryPause = std::chrono::milliseconds(50);
    while (!ids.empty()) {
        consul::Blocking blocking;
        if (index > 0) {
            const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
            if (left.count() <= 0) {
                break;
            }
            blocking.index = index;
            blocking.wait = std::min<std::chrono::milliseconds>(left, kMaxRoundWait);
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
            const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
            if (!transient(checks.error()) || left.count() <= 0) {
                return checks.error();
            }
            // Back off before asking a slow agent again; the last try lands on the deadline.
            std::this_thread::sleep_for(std::min(retryPause, left));
            retryPause = std::min(retryPause * 2, std::chrono::milliseconds(1000));
            continue;
        }
        retryPause = std::chrono::milliseconds(50);
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
