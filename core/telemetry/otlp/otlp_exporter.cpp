#include "telemetry/otlp/otlp_exporter.h"

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

#include "meshx/version.h"
#include "telemetry/otlp/flow_span.h"
#include "telemetry/otlp/otlp_http_sender.h"
#include "telemetry/otlp/otlp_json.h"
#include "telemetry/otlp/rpc_span.h"
#include "telemetry/otlp/span_queue.h"
#include "telemetry/telemetry_bus.h"

namespace meshx::telemetry::otlp {

using Clock = std::chrono::steady_clock;

struct OtlpExporter::Impl {
    explicit Impl(Options o)
        : options(std::move(o)),
          queue(options.config.maxQueueSize),
          sender(options.config.endpoint, options.config.headers, options.config.timeout),
          backoff(options.backoff) {
        if (!options.report) {
            options.report = [](const std::string& line) {
                std::fprintf(stderr, "%s\n", line.c_str());
            };
        }
    }

    Options options;
    SpanQueue queue;
    OtlpHttpSender sender;
    RetryBackoff backoff;
    std::shared_ptr<Subscription> subscription;
    uint64_t busDropsSeen = 0;
    std::thread thread;

    mutable std::mutex mutex;  // guards the fields below
    std::condition_variable wake;
    std::condition_variable idle;
    bool stopping = false;
    bool flushRequested = false;
    bool inFlight = false;
    Stats stats;
    bool started = false;

    std::vector<Span> pending;            // a batch waiting for its retry (exporter thread only)
    std::atomic<size_t> pendingSize{0};   // pending.size(), for flush() on other threads
    std::atomic<bool> busBacklog{false};  // the last bus pass stopped at its bound
    Clock::time_point retryAt;
    Clock::time_point lastExport = Clock::now();

    void sample(Span span, Sampler::Parent parent) {
        if (!options.config.sampler.shouldSample(span.traceId, parent)) {
            std::lock_guard lock(mutex);
            ++stats.sampledOut;
            return;
        }
        queue.push(std::move(span));
    }

    void drainBus() {
        if (!subscription)
            return;
        // Bounded per pass, so a flood of events cannot keep the thread from sending: once the
        // queue is full, what is left waits in the bus ring (which drops and counts what does not
        // fit).
        std::vector<Event> events;
        size_t taken = 0;
        bool more = true;
        while (taken < 4 * options.config.maxQueueSize && queue.size() < queue.capacity()) {
            if (subscription->drainTyped(events, 1024) == 0) {
                more = false;
                break;
            }
            taken += events.size();
            // RPC requests are sampled on their derived trace id before the span is built.
            const auto keep = [this](const TraceId& id, bool remoteParent) {
                return options.config.sampler.shouldSample(
                    id, remoteParent ? Sampler::Parent::Unknown : Sampler::Parent::None);
            };
            uint64_t sampledOut = 0;
            for (const Event& e : events) {
                bool refused = false;
                if (auto s = rpcSpanIfKept(e, keep, &refused)) {
                    queue.push(std::move(*s));
                } else if (refused) {
                    ++sampledOut;
                } else if (auto f = flowSpan(e)) {
                    sample(std::move(*f), Sampler::Parent::None);
                }
            }
            if (sampledOut > 0) {
                std::lock_guard lock(mutex);
                stats.sampledOut += sampledOut;
            }
            events.clear();
        }
        busBacklog = more;
        const uint64_t drops = subscription->dropped();
        if (drops > busDropsSeen) {
            queue.countDropped(drops - busDropsSeen);
            busDropsSeen = drops;
        }
    }

    std::string encode(const std::vector<Span>& spans) const {
        ResourceSpans rs;
        rs.resource = options.config.resource;
        rs.scopeName = "meshx";
        rs.scopeVersion = kVersion;
        rs.spans = spans;
        return encodeTraces({rs});
    }

    // One attempt for `batch`; returns true when it is done with (accepted or refused).
    bool send(const std::vector<Span>& batch) {
        {
            std::lock_guard lock(mutex);
            inFlight = true;
        }
        const OtlpHttpSender::Reply reply = sender.post(encode(batch));
        std::string line;
        bool done = true;
        {
            std::lock_guard lock(mutex);
            inFlight = false;
            ++stats.posts;
            const bool wasFailing = stats.failing;
            switch (reply.outcome) {
                case OtlpHttpSender::Outcome::Accepted:
                    stats.exported += batch.size();
                    stats.failing = false;
                    if (wasFailing) {
                        line = "meshx otlp: export to " +
                               OtlpConfig::redactUrl(options.config.endpoint) + " works again (" +
                               std::to_string(queue.dropped()) + " spans dropped so far)";
                    }
                    break;
                case OtlpHttpSender::Outcome::Retryable:
                    ++stats.failedPosts;
                    stats.failing = true;
                    done = false;
                    if (!wasFailing) {
                        line = "meshx otlp: cannot export spans to " +
                               OtlpConfig::redactUrl(options.config.endpoint) + ": " +
                               reply.detail +
                               "; retrying with back-off (not reported again until it works)";
                    }
                    break;
                case OtlpHttpSender::Outcome::Rejected:
                    ++stats.failedPosts;
                    stats.rejected += batch.size();
                    stats.failing = true;
                    if (!wasFailing) {
                        line = "meshx otlp: " + OtlpConfig::redactUrl(options.config.endpoint) +
                               " refused " + std::to_string(batch.size()) +
                               " spans: " + reply.detail +
                               " (dropped; not reported again until it works)";
                    }
                    break;
            }
        }
        if (!line.empty())
            options.report(line);
        if (done)
            backoff.reset();
        return done;
    }

    void run() {
        std::unique_lock lock(mutex);
        while (true) {
            wake.wait_for(lock, options.tick, [&] { return stopping || flushRequested; });
            const bool stop = stopping;
            const bool flushNow = flushRequested;
            flushRequested = false;
            lock.unlock();

            drainBus();
            const auto now = Clock::now();
            if (stop) {
                finalFlush();
                lock.lock();
                idle.notify_all();
                return;
            }
            if (!pending.empty()) {
                if (now >= retryAt || flushNow) {
                    if (send(pending)) {
                        pending.clear();
                        lastExport = Clock::now();
                    } else {
                        retryAt = Clock::now() + backoff.nextDelay();
                    }
                }
            }
            while (pending.empty() &&
                   (queue.size() >= options.config.maxExportBatchSize ||
                    (queue.size() > 0 &&
                     (flushNow || now - lastExport >= options.config.scheduleDelay)))) {
                std::vector<Span> batch;
                queue.take(batch, options.config.maxExportBatchSize);
                lastExport = Clock::now();
                if (!send(batch)) {
                    pending = std::move(batch);
                    retryAt = Clock::now() + backoff.nextDelay();
                }
            }
            pendingSize = pending.size();
            lock.lock();
            if (pending.empty() && queue.size() == 0)
                idle.notify_all();
        }
    }

    // At stop: every queued span gets one attempt, all within one export timeout.
    void finalFlush() {
        const auto deadline = Clock::now() + options.config.timeout;
        if (!pending.empty() && send(pending))
            pending.clear();
        while (queue.size() > 0 && Clock::now() < deadline && pending.empty()) {
            std::vector<Span> batch;
            queue.take(batch, options.config.maxExportBatchSize);
            if (!send(batch))
                pending = std::move(batch);
            drainBus();
        }
        // What is still here at exit is lost: count it, so exported + dropped + sampled out
        // account for every span.
        uint64_t lost = pending.size() + queue.size();
        pending.clear();
        if (subscription) {
            std::vector<Event> events;
            while (subscription->drainTyped(events, 4096) > 0) {
                for (const Event& e : events) {
                    if ((e.source == "rpc.client" || e.source == "rpc.server") &&
                        (e.name == "call" || e.name == "cast"))
                        ++lost;
                }
                events.clear();
            }
        }
        queue.countDropped(lost);
    }
};

OtlpExporter::OtlpExporter(Options options) : impl_(std::make_unique<Impl>(std::move(options))) {}

OtlpExporter::~OtlpExporter() {
    stop();
}

void OtlpExporter::start() {
    std::lock_guard lock(impl_->mutex);
    if (impl_->started)
        return;
    impl_->started = true;
    if (impl_->options.subscribeBus) {
        TelemetryBus& bus =
            impl_->options.bus != nullptr ? *impl_->options.bus : TelemetryBus::global();
        impl_->subscription = bus.subscribe(impl_->options.busQueueCapacity);
    }
    impl_->thread = std::thread([this] { impl_->run(); });
}

void OtlpExporter::stop() {
    {
        std::lock_guard lock(impl_->mutex);
        if (!impl_->started || impl_->stopping)
            return;
        impl_->stopping = true;
    }
    impl_->wake.notify_all();
    if (impl_->thread.joinable())
        impl_->thread.join();
    impl_->subscription.reset();
}

void OtlpExporter::exportSpan(Span span, Sampler::Parent parent) {
    impl_->sample(std::move(span), parent);
}

bool OtlpExporter::flush(std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    std::unique_lock lock(impl_->mutex);
    if (!impl_->started || impl_->stopping)
        return false;
    // Ask again on every wake-up: a span may have been queued after the last request was served.
    while (Clock::now() < deadline) {
        impl_->flushRequested = true;
        impl_->wake.notify_all();
        impl_->idle.wait_until(lock, std::min(deadline, Clock::now() + impl_->options.tick * 2));
        if (impl_->queue.size() == 0 && !impl_->inFlight && impl_->pendingSize == 0 &&
            !impl_->busBacklog && !impl_->flushRequested) {
            return true;
        }
    }
    return false;
}

OtlpExporter::Stats OtlpExporter::stats() const {
    std::lock_guard lock(impl_->mutex);
    Stats s = impl_->stats;
    s.dropped = impl_->queue.dropped();
    return s;
}

const OtlpConfig& OtlpExporter::config() const {
    return impl_->options.config;
}

namespace {

std::mutex gProcessMutex;
OtlpExporter* gProcess = nullptr;

void stopProcessExporter() {
    OtlpExporter* e = nullptr;
    {
        std::lock_guard lock(gProcessMutex);
        e = gProcess;
        gProcess = nullptr;
    }
    delete e;  // stops: one last export of what is queued
}

}  // namespace

bool OtlpExporter::startFromEnvironment(const std::string& program) {
    std::lock_guard lock(gProcessMutex);
    if (gProcess != nullptr)
        return true;
    auto config = OtlpConfig::fromProcessEnvironment(program);
    if (!config) {
        std::fprintf(stderr, "meshx otlp: trace export off: %s\n", config.error().message.c_str());
        return false;
    }
    for (const std::string& w : config->warnings)
        std::fprintf(stderr, "meshx otlp: %s\n", w.c_str());
    if (!config->enabled)
        return false;
    if (config->sampler.root() == Sampler::Root::AlwaysOff && !config->sampler.parentBased()) {
        std::fprintf(stderr, "meshx otlp: sampler always_off: no spans are exported\n");
        return false;
    }
    std::fprintf(stderr, "meshx otlp: exporting traces: %s\n", config->describe().c_str());
    (void)TelemetryBus::global();  // constructed before the exit hook, so destroyed after it
    Options options;
    options.config = std::move(*config);
    gProcess = new OtlpExporter(std::move(options));
    gProcess->start();
    std::atexit(&stopProcessExporter);
    return true;
}

OtlpExporter* OtlpExporter::process() {
    std::lock_guard lock(gProcessMutex);
    return gProcess;
}

}  // namespace meshx::telemetry::otlp
