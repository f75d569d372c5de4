#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace meshx::telemetry::otlp {

// 16-byte trace id and 8-byte span id, as OTLP carries them (all zero = invalid / absent).
using TraceId = std::array<uint8_t, 16>;
using SpanId = std::array<uint8_t, 8>;

// An attribute value: the OTLP AnyValue kinds Meshx produces and reads (arrays and maps of
// received spans are kept as their JSON text in a string).
using AttrValue = std::variant<std::string, int64_t, double, bool>;
using Attributes = std::vector<std::pair<std::string, AttrValue>>;

// OTLP's Span.SpanKind numbers.
enum class SpanKind : int {
    Unspecified = 0,
    Internal = 1,
    Server = 2,
    Client = 3,
    Producer = 4,
    Consumer = 5
};

// OTLP's Status.StatusCode numbers.
enum class StatusCode : int { Unset = 0, Ok = 1, Error = 2 };

struct SpanEvent {
    uint64_t timeUnixNano = 0;
    std::string name;
    Attributes attributes;
};

// One finished span, the unit the exporter queues and the receiver decodes. Plain data.
struct Span {
    TraceId traceId{};
    SpanId spanId{};
    SpanId parentSpanId{};      // all zero: a root span
    bool remoteParent = false;  // the parent lives in another process (flags 0x200)
    std::string name;
    SpanKind kind = SpanKind::Internal;
    uint64_t startTimeUnixNano = 0;
    uint64_t endTimeUnixNano = 0;
    Attributes attributes;
    std::vector<SpanEvent> events;
    StatusCode status = StatusCode::Unset;
    std::string statusMessage;

    bool hasParent() const;
};

// Lower-case hex of bytes ("4bf92f3577b34da6a3ce929d0e0e4736"). Pure.
std::string toHex(const uint8_t* bytes, size_t size);
template <size_t N>
std::string toHex(const std::array<uint8_t, N>& id) {
    return toHex(id.data(), N);
}
// Parses exactly 2*N hex digits (either case) into `out`; false otherwise. Pure.
bool fromHex(std::string_view hex, uint8_t* out, size_t size);
template <size_t N>
bool fromHex(std::string_view hex, std::array<uint8_t, N>& out) {
    return fromHex(hex, out.data(), N);
}
// True when every byte is zero (OTLP's invalid id).
template <size_t N>
bool isZero(const std::array<uint8_t, N>& id) {
    for (uint8_t b : id) {
        if (b != 0)
            return false;
    }
    return true;
}

// "service.name" style lookup; nullptr when absent. Pure.
const AttrValue* findAttribute(const Attributes& attributes, std::string_view key);
// The value as text (numbers in decimal, bools true/false). Pure.
std::string attributeText(const AttrValue& value);

}  // namespace meshx::telemetry::otlp
