#include "engine/connect_readiness.h"

#include <algorithm>
#include <thread>

#include "consul/catalog_endpoints.h"
#include "consul/consul_api.h"

namespace meshx::engine {

namespace {

// A blocking query returns at the agent's first change or after this wait: the bound on how
// late a cancel is seen.
constexpr auto kQueryWait = std::chrono::milliseconds(1000);
// After an error (agent down), the next try: no busy loop against a dead agent.
constexpr auto kRetryPause = std::chrono::milliseconds(200);

}  // namespace

bool waitConnectPassing(consul::ConsulApi& api, const std::string& service,
                        const std::string& instanceId, std::chrono::milliseconds limit,
                        const std::function<bool()>& cancelled) {
    using Clock = std::chrono::steady_clock;
    const auto deadline = Clock::now() + limit;
    consul::endpoints::HealthQuery query;
    query.passing = true;
    consul::Blocking blocking;
    while (Clock::now() < deadline && !(cancelled && cancelled())) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        blocking.wait = std::max(std::chrono::milliseconds(1), std::min(kQueryWait, left));
        auto r = api.call(consul::endpoints::healthConnect(service, query, blocking));
        if (!r) {
            std::this_thread::sleep_for(std::min(kRetryPause, left));
            blocking.index = 0;
            continue;
        }
        for (const auto& entry : r->value) {
            if (entry.service.proxy && entry.service.proxy->destinationServiceId == instanceId) {
                return true;
            }
        }
        // An index that goes backwards (agent restarted) starts over rather than blocking on a
        // future index for the whole wait.
        blocking.index = r->index > blocking.index ? r->index : 0;
    }
    return false;
}

}  // namespace meshx::engine
