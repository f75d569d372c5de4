#pragma once

#include <string>
#include <vector>

#include "common/result.h"
#include "telemetry/otlp/span.h"

namespace meshx::telemetry::otlp {

// The spans of one resource and one instrumentation scope, as an ExportTraceServiceRequest
// carries them (resourceSpans[].scopeSpans[]).
struct ResourceSpans {
    Attributes resource;
    std::string scopeName;
    std::string scopeVersion;
    std::vector<Span> spans;
};

// OTLP/HTTP JSON (the protobuf JSON mapping with OTLP's exceptions), both ways. Pure; any thread.
//
//   {"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"x"}}],
//                                  "droppedAttributesCount":0},
//     "scopeSpans":[{"scope":{"name":"meshx","version":"0.9.0"},
//       "spans":[{"traceId":"<32 hex>","spanId":"<16 hex>","parentSpanId":"<16 hex>",
//                 "name":"echo","kind":3,
//                 "startTimeUnixNano":"1796553662123456000","endTimeUnixNano":"...",
//                 "attributes":[..],"droppedAttributesCount":0,
//                 "events":[{"timeUnixNano":"..","name":"message","attributes":[..],
//                            "droppedAttributesCount":0}],"droppedEventsCount":0,
//                 "status":{"code":2,"message":".."},"links":[],"droppedLinksCount":0,
//                 "flags":257}]}]}]}
//
// Ids are lower-case hex (not base64: OTLP's exception to the protobuf mapping), times and
// intValue are decimal strings (64-bit integers in the protobuf JSON mapping), kind and status
// code are enum numbers. parentSpanId is left out on a root span. The keys are the ones the
// OpenTelemetry JS SDK writes (tests/integration/otlp compares).
std::string encodeTraces(const std::vector<ResourceSpans>& batches);

// Decodes an ExportTraceServiceRequest in JSON. Accepts what OTLP receivers must: ids in hex,
// 64-bit numbers as strings or numbers, kind and status code as numbers or enum names
// ("SPAN_KIND_SERVER"), unknown fields ignored, arrays and maps of AnyValue kept as JSON text.
// Errors (ParseError): not JSON, a wrong type where OTLP has a fixed shape, a bad id.
Result<std::vector<ResourceSpans>> decodeTraces(std::string_view body);

}  // namespace meshx::telemetry::otlp
