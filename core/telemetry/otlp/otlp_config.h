#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "telemetry/otlp/sampler.h"
#include "telemetry/otlp/span.h"

namespace meshx::telemetry::otlp {

// Where and how this process exports traces, from the standard OpenTelemetry variables
// (docs/opentelemetry.md has the table):
//
//   OTEL_SDK_DISABLED, OTEL_TRACES_EXPORTER (otlp | none)
//   OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (used as is) or OTEL_EXPORTER_OTLP_ENDPOINT (+ /v1/traces)
//   OTEL_EXPORTER_OTLP_HEADERS, OTEL_EXPORTER_OTLP_TRACES_HEADERS   k=v,k2=v2 (values %-decoded)
//   OTEL_EXPORTER_OTLP_[TRACES_]TIMEOUT (ms), OTEL_EXPORTER_OTLP_[TRACES_]PROTOCOL (http/json)
//   OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES                     k=v,k2=v2
//   OTEL_TRACES_SAMPLER, OTEL_TRACES_SAMPLER_ARG
//   OTEL_BSP_SCHEDULE_DELAY, OTEL_BSP_MAX_QUEUE_SIZE, OTEL_BSP_MAX_EXPORT_BATCH_SIZE
//
// Export is on only when an endpoint variable is set (the spec's localhost:4318 default would
// make every Meshx program post to a port nobody asked for).
//
// Secrets: headers often carry tokens ("Authorization=Bearer ..."), and an endpoint may hold
// user:password. No error, warning or describe() text ever contains a header value or the
// endpoint's user info: errors name the variable and the entry's position instead.
struct OtlpConfig {
    bool enabled = false;
    std::string endpoint;  // full URL of the traces resource, e.g. http://127.0.0.1:4318/v1/traces
    std::vector<std::pair<std::string, std::string>> headers;
    std::chrono::milliseconds timeout{10000};
    Attributes resource;  // service.name first, then OTEL_RESOURCE_ATTRIBUTES, then process facts
    Sampler sampler;
    std::chrono::milliseconds scheduleDelay{5000};
    size_t maxQueueSize = 2048;
    size_t maxExportBatchSize = 512;
    // Things that were wrong but not fatal (an unknown sampler falls back to the default, an
    // unsupported protocol sends JSON anyway): print them once at start. Never hold secrets.
    std::vector<std::string> warnings;

    using Getenv = std::function<std::string(const char*)>;
    // Reads the variables through `getenv` (tests inject a map). `defaultServiceName` is used
    // when neither OTEL_SERVICE_NAME nor a service.name resource attribute is set. Errors
    // (InvalidArgument): an endpoint that is not http(s), a malformed header or resource list,
    // a number variable that is not a number. Pure apart from `getenv`.
    static Result<OtlpConfig> fromEnvironment(const Getenv& getenv,
                                              const std::string& defaultServiceName);
    // The process environment.
    static Result<OtlpConfig> fromProcessEnvironment(const std::string& defaultServiceName);

    // The service.name resource attribute.
    std::string serviceName() const;
    // The endpoint with any user:password@ and query removed, for messages. Pure.
    static std::string redactUrl(const std::string& url);
    // One line for logs: endpoint (redacted), header names only, service, sampler. Pure.
    std::string describe() const;
};

// Parses a W3C-baggage-like list "k=v,k2=v2" (OTEL_*_HEADERS, OTEL_RESOURCE_ATTRIBUTES): keys
// and values trimmed, values percent-decoded, empty entries skipped. Errors name `variable` and
// the 1-based entry, never its text (it may be a token). Pure.
Result<std::vector<std::pair<std::string, std::string>>> parseKeyValueList(const std::string& text,
                                                                           const char* variable);

}  // namespace meshx::telemetry::otlp
