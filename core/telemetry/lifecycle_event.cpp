#include "telemetry/lifecycle_event.h"

namespace meshx::telemetry {

Event LifecycleEvent::toEvent() const {
    Event e;
    e.source = kSource;
    e.name = name;
    e.meta = details.is_object() ? details : nlohmann::json::object();
    e.meta["service_id"] = serviceId;
    return e;
}

std::optional<LifecycleEvent> LifecycleEvent::fromEvent(const Event& event) {
    if (event.source != kSource) {
        return std::nullopt;
    }
    LifecycleEvent l;
    l.name = event.name;
    if (event.meta.is_object()) {
        l.details = event.meta;
        l.serviceId = l.details.value("service_id", std::string());
        l.details.erase("service_id");
    }
    return l;
}

}  // namespace meshx::telemetry
