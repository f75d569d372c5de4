#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "telemetry/event.h"
#include "telemetry/tap/tap_process.h"

namespace meshx::telemetry {

// The JSON lines of a tap stream (schema kTapSchemaVersion; docs/taps.md has every field). Each
// encoder appends one line, ending in '\n', to `out`. Pure; any thread.
//
//   {"type":"hello","schema":1,"process":{..},"filter":"..","sources":[..],"heartbeat_ms":2000,..}
//   {"type":"event","seq":7,"time_us":..,"time":"2026-12-06T10:41:02.123456Z","source":"rpc.server",
//    "name":"call","metrics":{..},"meta":{..},"process":{..}}
//   {"type":"heartbeat","time_us":..,"dropped":0,"sent":12}
namespace tap_lines {

// `processJson` is TapProcess::toJson().dump(), computed once per stream.
void appendEvent(std::string& out, const Event& event, const std::string& processJson);

struct Hello {
    TapProcess process;
    std::string filter;
    std::vector<std::string> sources;
    int64_t heartbeatMs = 0;
    uint64_t queueCapacity = 0;
};
void appendHello(std::string& out, const Hello& hello);

void appendHeartbeat(std::string& out, int64_t timeUs, uint64_t dropped, uint64_t sent);

// RFC 3339 UTC with microseconds: "2026-12-06T10:41:02.123456Z".
std::string formatTime(int64_t timeUs);

}  // namespace tap_lines
}  // namespace meshx::telemetry
