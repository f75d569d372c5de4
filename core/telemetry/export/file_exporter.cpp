#include "telemetry/export/file_exporter.h"

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <thread>

#include "telemetry/export/record_export.h"
#include "telemetry/rpc_record.h"
#include "telemetry/telemetry_bus.h"

namespace meshx::telemetry {

struct FileExporter::Impl {
    Options options;
    std::shared_ptr<Subscription> subscription;
    std::FILE* file = nullptr;
    std::thread thread;
    std::mutex mutex;
    std::condition_variable wake;
    bool stopping = false;
    std::atomic<uint64_t> written{0};
    std::atomic<uint64_t> droppedAtStop{0};

    // Drains everything queued now and writes it. Exporter thread (or the owner after join).
    void pass() {
        std::vector<Event> events;
        std::string out;
        while (subscription->drainTyped(events, 4096) > 0) {
            for (const Event& e : events) {
                if (!RpcRecord::isRpc(e)) {
                    continue;
                }
                const RpcRecord r = RpcRecord::fromEvent(e);
                if (options.format == Format::Csv) {
                    record_export::appendCsvRow(out, r, options.fields);
                } else {
                    record_export::appendJsonLine(out, r);
                }
                written.fetch_add(1, std::memory_order_relaxed);
            }
            events.clear();
            std::fwrite(out.data(), 1, out.size(), file);
            out.clear();
        }
        std::fflush(file);
    }

    void run() {
        std::unique_lock lock(mutex);
        while (!stopping) {
            wake.wait_for(lock, options.period, [this] { return stopping; });
            lock.unlock();
            pass();
            lock.lock();
        }
    }
};

FileExporter::FileExporter(Options options) : impl_(std::make_unique<Impl>()) {
    impl_->options = std::move(options);
    if (impl_->options.fields.empty()) {
        impl_->options.fields = record_export::csvFields();
    }
}

FileExporter::~FileExporter() {
    stop();
}

Status FileExporter::start() {
    if (impl_->file != nullptr) {
        return Error{Code::AlreadyStarted, "the telemetry file exporter is already started"};
    }
    for (const auto& f : impl_->options.fields) {
        if (!record_export::isCsvField(f)) {
            return Error{Code::InvalidArgument, "unknown telemetry export field '" + f + "'"};
        }
    }
    impl_->file = std::fopen(impl_->options.path.c_str(), "w");
    if (impl_->file == nullptr) {
        return Error{Code::IoError,
                     "cannot write " + impl_->options.path + ": " + std::strerror(errno)};
    }
    if (impl_->options.format == Format::Csv) {
        std::string header;
        record_export::appendCsvHeader(header, impl_->options.fields);
        std::fwrite(header.data(), 1, header.size(), impl_->file);
    }
    TelemetryBus& bus =
        impl_->options.bus != nullptr ? *impl_->options.bus : TelemetryBus::global();
    impl_->subscription = bus.subscribe(impl_->options.queueCapacity);
    impl_->stopping = false;
    impl_->thread = std::thread([impl = impl_.get()] { impl->run(); });
    return {};
}

void FileExporter::stop() {
    if (impl_->file == nullptr) {
        return;
    }
    {
        std::lock_guard lock(impl_->mutex);
        impl_->stopping = true;
    }
    impl_->wake.notify_all();
    if (impl_->thread.joinable()) {
        impl_->thread.join();
    }
    impl_->pass();  // what was published before stop()
    std::fclose(impl_->file);
    impl_->file = nullptr;
    impl_->droppedAtStop = impl_->subscription->dropped();
    impl_->subscription.reset();
}

uint64_t FileExporter::written() const {
    return impl_->written.load(std::memory_order_relaxed);
}

uint64_t FileExporter::dropped() const {
    return impl_->file != nullptr ? impl_->subscription->dropped() : impl_->droppedAtStop.load();
}

}  // namespace meshx::telemetry
