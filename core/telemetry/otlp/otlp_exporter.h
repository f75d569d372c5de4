#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/result.h"
#include "telemetry/otlp/otlp_config.h"
#include "telemetry/otlp/retry_backoff.h"
#include "telemetry/otlp/sampler.h"
#include "telemetry/otlp/span.h"

namespace meshx::telemetry {
class TelemetryBus;
}

namespace meshx::telemetry::otlp {

// Exports this process's spans as OTLP/HTTP JSON (docs/opentelemetry.md), on a thread of its own.
//
//   producers ──publish──> TelemetryBus ──bounded subscription──┐
//   exportSpan() (any thread) ──────────────────────────────────┤
//                                            exporter thread: rpcSpan() + sampler
//                                                   -> SpanQueue (bounded, drops counted)
//                                                   -> batches -> OtlpHttpSender (libcurl)
//
// Nothing on a caller's path waits for the network: producers only push into the bus's bounded
// ring (or the span queue); when either is full, spans are dropped and counted. A batch goes out
// when it reaches OTEL_BSP_MAX_EXPORT_BATCH_SIZE or OTEL_BSP_SCHEDULE_DELAY has passed. A failed
// export (no connection, 429/502/503/504) keeps its batch and is retried with RetryBackoff while
// new spans queue up (and drop when the queue is full); a refused batch (another status) is
// dropped. The first failure is reported once (one line, to `report`); nothing more until an
// export succeeds again, which is reported once too. Reports never contain header values.
class OtlpExporter {
  public:
    struct Options {
        OtlpConfig config;
        TelemetryBus* bus = nullptr;  // null: TelemetryBus::global()
        bool subscribeBus = true;     // turn the bus's RPC events (and flows) into spans
        size_t busQueueCapacity = 65536;
        std::chrono::milliseconds tick{50};  // how often the bus is drained
        RetryBackoff::Options backoff;
        std::function<void(const std::string&)> report;  // null: one line on stderr
    };
    struct Stats {
        uint64_t exported = 0;     // spans a collector accepted
        uint64_t dropped = 0;      // spans lost to a full queue (bus ring or span queue)
        uint64_t sampledOut = 0;   // spans the sampler left out
        uint64_t rejected = 0;     // spans in batches the collector refused (non-retryable)
        uint64_t failedPosts = 0;  // export attempts that failed (each retried or refused)
        uint64_t posts = 0;        // export attempts
        bool failing = false;      // the last attempt failed
    };

    explicit OtlpExporter(Options options);
    // stop(). Owning thread.
    ~OtlpExporter();
    OtlpExporter(const OtlpExporter&) = delete;
    OtlpExporter& operator=(const OtlpExporter&) = delete;

    // Subscribes to the bus and starts the exporter thread. Owning thread.
    void start();
    // Exports what is queued (one attempt per batch, within the config's timeout in total),
    // then joins the thread. Idempotent. Owning thread.
    void stop();

    // Samples a finished span and queues it; never waits. `parent` says what the sampler may
    // know of its parent. Any thread.
    void exportSpan(Span span, Sampler::Parent parent = Sampler::Parent::None);
    // Wakes the thread to send everything queued now, and waits up to `timeout` until the queue
    // is empty and no batch is in flight. True when it got there. Any thread but the exporter's.
    bool flush(std::chrono::milliseconds timeout);

    Stats stats() const;  // any thread
    const OtlpConfig& config() const;

    // The process-wide exporter from the environment (OtlpConfig::fromProcessEnvironment with
    // `program` as the default service.name). Prints its configuration (redacted) or the reason
    // it is off because of a bad variable on stderr; returns whether export is on. Started once;
    // stopped (flushing) at exit. Any thread.
    static bool startFromEnvironment(const std::string& program);
    // The process-wide exporter, or null. Any thread.
    static OtlpExporter* process();

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace meshx::telemetry::otlp
