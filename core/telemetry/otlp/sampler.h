#pragma once

#include <string>

#include "common/result.h"
#include "telemetry/otlp/span.h"

namespace meshx::telemetry::otlp {

// The OTEL_TRACES_SAMPLER samplers: always_on, always_off, traceidratio, and parentbased_* of
// each. Pure value; any thread.
//
// traceidratio decides from the trace id alone, as the OpenTelemetry SDKs do: the last 8 bytes
// big-endian, shifted right by one, below ratio * 2^63. So two processes with the same ratio
// agree on every trace — which is what keeps a Meshx client's and server's spans of one call
// sampled together, since the server learns no sampled flag from the wire (docs/opentelemetry.md).
class Sampler {
  public:
    enum class Root { AlwaysOn, AlwaysOff, TraceIdRatio };
    // What the span's parent says: none (a root span), a parent that was sampled or not, or a
    // parent whose flag this process cannot know (a derived remote parent).
    enum class Parent { None, Sampled, NotSampled, Unknown };

    Sampler() = default;
    Sampler(Root root, double ratio, bool parentBased);

    // Parses OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG. An empty name is the spec's
    // default, parentbased_always_on. Errors (InvalidArgument): unknown name, a ratio argument
    // that is not a number in [0, 1].
    static Result<Sampler> parse(const std::string& name, const std::string& arg);

    // The decision for a span of `traceId` under `parent`. parentbased_*: a sampled parent
    // samples, a not-sampled parent drops, no parent or an unknown one asks the root sampler.
    bool shouldSample(const TraceId& traceId, Parent parent = Parent::None) const;

    // "parentbased_traceidratio(0.1)". Pure.
    std::string describe() const;
    Root root() const { return root_; }
    double ratio() const { return ratio_; }
    bool parentBased() const { return parentBased_; }

  private:
    Root root_ = Root::AlwaysOn;
    double ratio_ = 1.0;
    bool parentBased_ = true;
};

}  // namespace meshx::telemetry::otlp
