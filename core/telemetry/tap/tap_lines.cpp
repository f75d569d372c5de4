#include "telemetry/tap/tap_lines.h"

#include <cstdint>
#include <cstdio>
#include <ctime>

#include "telemetry/event_json.h"
#include "telemetry/tap/tap_protocol.h"

namespace meshx::telemetry::tap_lines {

namespace {

// Invalid UTF-8 in a producer's string must not abort the stream: replace it.
std::string dumpJson(const nlohmann::json& j) {
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// formatTime() into `out`, with the date and time of day computed once per second per thread:
// a tap writes tens of thousands of lines a second, and gmtime_r per line is wasted work.
void appendTime(std::string& out, int64_t timeUs) {
    thread_local int64_t cachedSecond = INT64_MIN;
    thread_local std::string cachedPrefix;  // "2026-12-06T10:41:02."
    const int64_t second = timeUs >= 0 ? timeUs / 1000000 : (timeUs - 999999) / 1000000;
    if (second != cachedSecond) {
        cachedPrefix = formatTime(second * 1000000);
        cachedPrefix.resize(cachedPrefix.size() - 7);  // drop "000000Z"
        cachedSecond = second;
    }
    out += cachedPrefix;
    char digits[8];
    const auto micros = static_cast<int>(timeUs - second * 1000000);
    std::snprintf(digits, sizeof digits, "%06dZ", micros);
    out += digits;
}

}  // namespace

void appendEvent(std::string& out, const Event& event, const std::string& processJson) {
    out += R"({"type":"event","seq":)";
    out += std::to_string(event.seq);
    out += R"(,"time_us":)";
    out += std::to_string(event.timeUs);
    out += R"(,"time":")";
    appendTime(out, event.timeUs);
    out += R"(","source":)";
    event_json::appendString(out, event.source);
    out += R"(,"name":)";
    event_json::appendString(out, event.name);
    out += R"(,"metrics":)";
    event_json::appendMetrics(out, event);  // a typed event: written from its struct, no tree
    out += R"(,"meta":)";
    event_json::appendMeta(out, event);
    out += R"(,"process":)";
    out += processJson;
    out += "}\n";
}

void appendHello(std::string& out, const Hello& hello) {
    nlohmann::json j = {{"type", "hello"},
                        {"schema", kTapSchemaVersion},
                        {"process", hello.process.toJson()},
                        {"filter", hello.filter},
                        {"sources", hello.sources},
                        {"heartbeat_ms", hello.heartbeatMs},
                        {"queue_capacity", hello.queueCapacity}};
    out += dumpJson(j);
    out += '\n';
}

void appendHeartbeat(std::string& out, int64_t timeUs, uint64_t dropped, uint64_t sent) {
    out += R"({"type":"heartbeat","time_us":)";
    out += std::to_string(timeUs);
    out += R"(,"dropped":)";
    out += std::to_string(dropped);
    out += R"(,"sent":)";
    out += std::to_string(sent);
    out += "}\n";
}

std::string formatTime(int64_t timeUs) {
    const int64_t seconds = timeUs >= 0 ? timeUs / 1000000 : (timeUs - 999999) / 1000000;
    const int64_t micros = timeUs - seconds * 1000000;
    const std::time_t t = static_cast<std::time_t>(seconds);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<long long>(micros));
    return buf;
}

}  // namespace meshx::telemetry::tap_lines
