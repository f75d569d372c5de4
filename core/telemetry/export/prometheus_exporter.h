#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "telemetry/rpc_aggregate.h"

namespace meshx::telemetry {

class TelemetryBus;

// Prometheus text for a headless program: a bus subscription drained on a thread of its own
// every `period` into an RpcAggregate (typed events read directly, no JSON), rendered on demand.
// Serve it with PrometheusEndpoint (prometheus_endpoint.h) on a thread with a Qt event loop:
//
//   PrometheusExporter exporter({});
//   exporter.start();
//   PrometheusEndpoint endpoint([&] { return exporter.render(); });
//   endpoint.start(9464);
//
// Counts are exact as long as the bus queue does not overflow between passes (dropped() says
// when it did). Producers only pay the bus push.
class PrometheusExporter {
  public:
    struct Options {
        TelemetryBus* bus = nullptr;  // null: TelemetryBus::global()
        size_t queueCapacity = 65536;
        std::chrono::milliseconds period{100};
    };

    explicit PrometheusExporter(Options options);
    // Stops. The owning thread.
    ~PrometheusExporter();
    PrometheusExporter(const PrometheusExporter&) = delete;
    PrometheusExporter& operator=(const PrometheusExporter&) = delete;

    // Subscribes and starts the drain thread; a second call does nothing. Owning thread.
    void start();
    // Joins the thread and drops the subscription; the totals stay. Owning thread.
    void stop();

    // Takes in what is queued now, then renders the exposition text. Any thread.
    std::string render();
    // Requests (call/cast) counted so far. Any thread.
    uint64_t requests() const;
    // Events the bus queue dropped (the totals miss them). Any thread.
    uint64_t dropped() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace meshx::telemetry
