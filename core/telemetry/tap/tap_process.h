#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace meshx::telemetry {

// The process a tap describes; every tap line carries it so merged streams stay attributable.
struct TapProcess {
    long pid = 0;
    std::string program;    // e.g. "meshx-proxy", "meshx node"
    std::string serviceId;  // the mesh service this process serves, when known

    // {"pid":..,"program":..,"service_id":..} (service_id omitted when empty). Pure.
    nlohmann::json toJson() const;
    // This process (getpid()) under `program`. Any thread.
    static TapProcess current(std::string program);
};

}  // namespace meshx::telemetry
