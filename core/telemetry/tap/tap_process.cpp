#include "telemetry/tap/tap_process.h"

#include <unistd.h>

#include <utility>

namespace meshx::telemetry {

nlohmann::json TapProcess::toJson() const {
    nlohmann::json j = {{"pid", pid}, {"program", program}};
    if (!serviceId.empty()) {
        j["service_id"] = serviceId;
    }
    return j;
}

TapProcess TapProcess::current(std::string program) {
    TapProcess p;
    p.pid = static_cast<long>(::getpid());
    p.program = std::move(program);
    return p;
}

}  // namespace meshx::telemetry
