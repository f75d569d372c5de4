#include "telemetry/telemetry_bus.h"

#include "telemetry/in_process_bus.h"

namespace meshx::telemetry {

TelemetryBus& TelemetryBus::global() {
    // Deliberately never destroyed: I/O threads may still publish while static destructors run
    // at exit, and a destroyed bus would be a use-after-free there.
    static auto* bus = new InProcessBus();
    return *bus;
}

}  // namespace meshx::telemetry
