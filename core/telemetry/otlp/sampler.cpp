#include "telemetry/otlp/sampler.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

namespace meshx::telemetry::otlp {

Sampler::Sampler(Root root, double ratio, bool parentBased)
    : root_(root), ratio_(ratio), parentBased_(parentBased) {}

Result<Sampler> Sampler::parse(const std::string& name, const std::string& arg) {
    std::string rootName = name.empty() ? "parentbased_always_on" : name;
    bool parentBased = false;
    static constexpr std::string_view kPrefix = "parentbased_";
    if (rootName.rfind(kPrefix, 0) == 0) {
        parentBased = true;
        rootName = rootName.substr(kPrefix.size());
    }
    Root root;
    if (rootName == "always_on") {
        root = Root::AlwaysOn;
    } else if (rootName == "always_off") {
        root = Root::AlwaysOff;
    } else if (rootName == "traceidratio") {
        root = Root::TraceIdRatio;
    } else {
        return makeError(Code::InvalidArgument,
                         "OTEL_TRACES_SAMPLER: unknown sampler '" + name +
                             "' (always_on, always_off, traceidratio, parentbased_*)");
    }
    double ratio = 1.0;
    if (root == Root::TraceIdRatio && !arg.empty()) {
        char* end = nullptr;
        ratio = std::strtod(arg.c_str(), &end);
        if (end == arg.c_str() || *end != '\0' || !std::isfinite(ratio) || ratio < 0.0 ||
            ratio > 1.0) {
            return makeError(Code::InvalidArgument,
                             "OTEL_TRACES_SAMPLER_ARG: '" + arg + "' is not a ratio in [0, 1]");
        }
    }
    return Sampler(root, ratio, parentBased);
}

bool Sampler::shouldSample(const TraceId& traceId, Parent parent) const {
    if (parentBased_ && parent == Parent::Sampled)
        return true;
    if (parentBased_ && parent == Parent::NotSampled)
        return false;
    switch (root_) {
        case Root::AlwaysOn:
            return true;
        case Root::AlwaysOff:
            return false;
        case Root::TraceIdRatio: {
            if (ratio_ >= 1.0)
                return true;
            if (ratio_ <= 0.0)
                return false;
            uint64_t low = 0;
            for (size_t i = 8; i < 16; ++i)
                low = (low << 8) | traceId[i];
            const auto bound = static_cast<uint64_t>(ratio_ * 9223372036854775808.0);  // 2^63
            return (low >> 1) < bound;
        }
    }
    return false;
}

std::string Sampler::describe() const {
    std::string s = parentBased_ ? "parentbased_" : "";
    switch (root_) {
        case Root::AlwaysOn:
            return s + "always_on";
        case Root::AlwaysOff:
            return s + "always_off";
        case Root::TraceIdRatio: {
            char buf[32];
            std::snprintf(buf, sizeof buf, "%g", ratio_);
            return s + "traceidratio(" + buf + ")";
        }
    }
    return s;
}

}  // namespace meshx::telemetry::otlp
