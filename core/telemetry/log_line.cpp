#include "telemetry/log_line.h"

namespace meshx::telemetry {

const char* LogLine::streamName(Stream stream) {
    return stream == Stream::Stderr ? "stderr" : "stdout";
}

Event LogLine::toEvent() const {
    Event e;
    e.timeUs = timeUs;
    e.source = kSource;
    e.name = streamName(stream);
    e.meta = {{"service_id", serviceId}, {"line", line}};
    if (truncated) {
        e.metrics["truncated"] = 1;
    }
    return e;
}

std::optional<LogLine> LogLine::fromEvent(const Event& event) {
    if (event.source != kSource || (event.name != "stdout" && event.name != "stderr")) {
        return std::nullopt;
    }
    LogLine l;
    l.stream = event.name == "stderr" ? Stream::Stderr : Stream::Stdout;
    l.timeUs = event.timeUs;
    if (event.meta.is_object()) {
        l.serviceId = event.meta.value("service_id", std::string());
        l.line = event.meta.value("line", std::string());
    }
    l.truncated = event.metrics.is_object() && event.metrics.value("truncated", 0) != 0;
    return l;
}

}  // namespace meshx::telemetry
