#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "telemetry/event.h"

namespace meshx::telemetry {

// A step in a mesh service's life, as carried on the bus:
//
//   source  "mesh"
//   name    one of the k* constants below
//   meta    {"service_id": "<id>", ...details}
//
// Details by name (all optional, keys snake_case, never a token or other secret):
//   proxy.started    pid, argv (array of strings)
//   proxy.exited     pid, reason ("exit code 3" / "signal 9 (Killed)"), exit_code or signal
//   proxy.restarted  restarts (count so far), reason (of the exit that caused it)
//   proxy.gave_up    restarts, reason: the restart limit was reached, the proxy stays down
//   proxy.stopped    pid, forced (true when SIGKILL was needed)
//   service.registered / service.deregistered, ttl.status (status: passing|warning|critical),
//   upstream.added / upstream.removed (upstream: name, address)
struct LifecycleEvent {
    static constexpr const char* kSource = "mesh";

    static constexpr const char* kProxyStarted = "proxy.started";
    static constexpr const char* kProxyExited = "proxy.exited";
    static constexpr const char* kProxyRestarted = "proxy.restarted";
    static constexpr const char* kProxyGaveUp = "proxy.gave_up";
    static constexpr const char* kProxyStopped = "proxy.stopped";
    static constexpr const char* kServiceRegistered = "service.registered";
    static constexpr const char* kServiceDeregistered = "service.deregistered";
    static constexpr const char* kTtlStatus = "ttl.status";
    static constexpr const char* kUpstreamAdded = "upstream.added";
    static constexpr const char* kUpstreamRemoved = "upstream.removed";

    std::string name;
    std::string serviceId;
    nlohmann::json details = nlohmann::json::object();

    // The bus event: meta = details plus "service_id". Any thread.
    Event toEvent() const;
    // The lifecycle step an event carries, or nullopt when its source is not "mesh". Any thread.
    static std::optional<LifecycleEvent> fromEvent(const Event& event);
};

}  // namespace meshx::telemetry
