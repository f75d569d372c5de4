#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "telemetry/event.h"

namespace meshx::telemetry {

// One line a supervised proxy wrote, as carried on the bus:
//
//   source  "proxy"
//   name    "stdout" | "stderr"
//   timeUs  when the line was read (microseconds since the epoch)
//   meta    {"service_id": "<id>", "line": "<text without the newline, valid UTF-8>"}
//   metrics {"truncated": 1}   only when the line was cut to the supervisor's limit
//
// The console's proxy log view filters the stream on source == "proxy".
struct LogLine {
    enum class Stream { Stdout, Stderr };

    static constexpr const char* kSource = "proxy";

    std::string serviceId;
    Stream stream = Stream::Stdout;
    std::string line;
    int64_t timeUs = 0;
    bool truncated = false;

    // The bus event for this line. Any thread.
    Event toEvent() const;
    // The line an event carries, or nullopt when the event is not a proxy log line. Any thread.
    static std::optional<LogLine> fromEvent(const Event& event);
    // "stdout" / "stderr".
    static const char* streamName(Stream stream);
};

}  // namespace meshx::telemetry
