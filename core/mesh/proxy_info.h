#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace meshx::mesh {

// Where a supervised proxy is in its life.
//
//   Idle --start--> Running --exit--> Restarting --delay--> Running ...
//                      |                  (restarts < max)
//                      |--exit, restarts == max--> GaveUp
//                      '--stop--> Stopping --exit--> Stopped
enum class ProxyState { Idle, Running, Restarting, Stopping, Stopped, GaveUp };

// "idle", "running", "restarting", "stopping", "stopped", "gave_up".
const char* proxyStateName(ProxyState state);

// A snapshot of one proxy for `proxy-info` and the console: what runs, and how it has fared.
// The environment is left out on purpose: it carries the agent token.
struct ProxyInfo {
    std::string serviceId;
    std::vector<std::string> argv;
    int64_t pid = 0;   // 0 when no process is running
    int restarts = 0;  // automatic restarts since start() or restart()
    int maxRestarts = 0;
    std::string lastExitReason;  // "exit code 1", "signal 9 (Killed)"; empty before any exit
    ProxyState state = ProxyState::Idle;
    // The sidecar runs in a shared `meshx-proxy -host` process (proxy_host: shared): `pid` is
    // that host's, the same for every sidecar in it.
    bool hosted = false;

    // {"service_id", "argv", "pid", "restarts", "max_restarts", "last_exit_reason", "state"}, and
    // "hosted": true for a hosted sidecar.
    nlohmann::json toJson() const;
};

}  // namespace meshx::mesh
