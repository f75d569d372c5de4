#include "telemetry/export/prometheus_exporter.h"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "telemetry/telemetry_bus.h"

namespace meshx::telemetry {

struct PrometheusExporter::Impl {
    Options options;
    std::shared_ptr<Subscription> subscription;
    std::thread thread;
    std::mutex wakeMutex;
    std::condition_variable wake;
    bool stopping = false;

    mutable std::mutex mutex;  // guards aggregate and the drain (one reader at a time)
    RpcAggregate aggregate;
    std::atomic<uint64_t> droppedAtStop{0};

    void pass() {
        std::lock_guard lock(mutex);
        if (!subscription) {
            return;
        }
        std::vector<Event> events;
        while (subscription->drainTyped(events, 4096) > 0) {
            for (const Event& e : events) {
                if (RpcRecord::isRpc(e)) {
                    aggregate.add(RpcRecord::fromEvent(e));
                }
            }
            events.clear();
        }
    }

    void run() {
        std::unique_lock lock(wakeMutex);
        while (!stopping) {
            wake.wait_for(lock, options.period, [this] { return stopping; });
            lock.unlock();
            pass();
            lock.lock();
        }
    }
};

PrometheusExporter::PrometheusExporter(Options options) : impl_(std::make_unique<Impl>()) {
    impl_->options = options;
}

PrometheusExporter::~PrometheusExporter() {
    stop();
}

void PrometheusExporter::start() {
    if (impl_->thread.joinable()) {
        return;
    }
    TelemetryBus& bus =
        impl_->options.bus != nullptr ? *impl_->options.bus : TelemetryBus::global();
    {
        std::lock_guard lock(impl_->mutex);
        impl_->subscription = bus.subscribe(impl_->options.queueCapacity);
    }
    impl_->stopping = false;
    impl_->thread = std::thread([impl = impl_.get()] { impl->run(); });
}

void PrometheusExporter::stop() {
    if (!impl_->thread.joinable()) {
        return;
    }
    {
        std::lock_guard lock(impl_->wakeMutex);
        impl_->stopping = true;
    }
    impl_->wake.notify_all();
    impl_->thread.join();
    impl_->pass();
    std::lock_guard lock(impl_->mutex);
    impl_->droppedAtStop = impl_->subscription->dropped();
    impl_->subscription.reset();
}

std::string PrometheusExporter::render() {
    impl_->pass();
    std::lock_guard lock(impl_->mutex);
    return impl_->aggregate.renderPrometheus();
}

uint64_t PrometheusExporter::requests() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->aggregate.requests();
}

uint64_t PrometheusExporter::dropped() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->subscription ? impl_->subscription->dropped() : impl_->droppedAtStop.load();
}

}  // namespace meshx::telemetry
