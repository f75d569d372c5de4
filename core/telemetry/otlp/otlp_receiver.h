#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "common/result.h"
#include "net/address.h"

namespace meshx::telemetry {
class TelemetryBus;
}

namespace meshx::telemetry::otlp {

// An OTLP/HTTP trace receiver: applications' OpenTelemetry SDKs (or a collector) post
// ExportTraceServiceRequests to it and every span becomes a telemetry event on a bus
// (span_event.h), so the console shows them beside the mesh's own events.
//
//   POST /v1/traces   Content-Type: application/json   ->  200 {"partialSuccess":{}}
//   (application/x-protobuf -> 415; a body that is not OTLP JSON -> 400 {"error":"..."};
//    another path -> 404; another method -> 405; a body over maxBodyBytes -> 413)
//
// HTTP/1.1 with keep-alive, requests parsed by Boost.Beast's parser. Threads: one thread of its
// own runs a poll() loop over the listening socket and its connections (no Qt event loop), and
// publishes on the bus from there (publish never waits). Meant for a loopback address: it
// accepts spans from anyone who can reach it, so the console binds 127.0.0.1 by default.
class OtlpReceiver {
  public:
    struct Options {
        net::Address listen = net::Address::tcp("127.0.0.1", 0);
        TelemetryBus* bus = nullptr;  // null: TelemetryBus::global()
        size_t maxBodyBytes = 8 * 1024 * 1024;
        size_t maxConnections = 32;
        // Called on the receiver thread with every accepted request's body (tests compare the
        // JSON a client sent). Optional.
        std::function<void(const std::string& body)> onBody;
    };
    struct Stats {
        uint64_t requests = 0;  // POST /v1/traces answered 200
        uint64_t spans = 0;     // spans published
        uint64_t refused = 0;   // requests answered with an error status
    };

    explicit OtlpReceiver(Options options);
    // stop(). Owning thread.
    ~OtlpReceiver();
    OtlpReceiver(const OtlpReceiver&) = delete;
    OtlpReceiver& operator=(const OtlpReceiver&) = delete;

    // Binds (TCP only; port 0 is read back) and starts the thread. Errors: InvalidArgument (a
    // unix address or a host that is not an IP literal or localhost), IoError (bind, listen),
    // AlreadyStarted. Owning thread.
    Result<net::Address> start();
    // Closes every connection and joins the thread. Idempotent. Owning thread.
    void stop();

    std::optional<net::Address> address() const;  // any thread
    Stats stats() const;                          // any thread
    // "http://127.0.0.1:4318/v1/traces" while started, else empty. Any thread.
    std::string tracesUrl() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace meshx::telemetry::otlp
