#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/result.h"
#include "consul/backoff.h"
#include "consul/call.h"
#include "consul/cancel_token.h"
#include "consul/consul_api.h"
#include "consul/context_relay.h"

namespace meshx::consul {

// Loops one blocking query on its own thread and reports each changed result.
//
// Index mode (catalog, health, intentions, CA roots, leaf): sends the last X-Consul-Index with
// `wait`; a result whose index differs from the last delivered one is a change. Per reference
// §1.8, an index of 0 (an agent bug) counts as 1, so the loop keeps blocking instead of
// spinning, and when the index goes backwards the next query is sent with no index (a fresh
// read). Start/stop from one thread at a time.
// Hash mode (/agent/service/:id): sends the last X-Consul-ContentHash; a new hash is a change.
//
// Errors (agent down, 5xx, 404 when a watched service disappears, an undecodable reply) are
// reported with the delay before the retry; delays follow Backoff and reset after a success.
// stop() interrupts even a query in the middle of a 10-minute wait (CancelToken wakes curl).
//
// Each request takes a curl slot from the client's pool for its whole duration; slots are made
// on demand, so a watcher never delays other callers.
class BlockingWatcher {
  public:
    enum class Mode { Index, Hash };

    struct Options {
        Mode mode = Mode::Index;
        std::chrono::milliseconds wait{std::chrono::minutes(5)};
        Backoff::Options backoff;
        // Consul may wake a watcher with a new index but the same content (an idempotent
        // write); such results are not reported when this is set.
        bool skipUnchangedBody = true;
    };

    using ChangeHandler = std::function<void(const Response&)>;
    using ErrorHandler = std::function<void(const Error&, std::chrono::milliseconds retryIn)>;

    // Any thread, while `context` is alive. Handlers run on `context`'s thread (or on the
    // watcher thread when `context` is null). `api` must outlive the watcher. Does not start.
    BlockingWatcher(ConsulApi& api, Request request, Options options, QObject* context,
                    ChangeHandler onChange, ErrorHandler onError = {});

    // Typed form: decodes on the watcher thread (a reply that does not decode is an error and is
    // retried with back-off), then delivers the value and its index on `context`'s thread.
    template <typename T>
    static std::unique_ptr<BlockingWatcher> typed(ConsulApi& api, Call<T> call, Options options,
                                                  QObject* context,
                                                  std::function<void(const T&, uint64_t)> onChange,
                                                  ErrorHandler onError = {});

    // The owner's thread. Stops and joins; no handler runs after this returns.
    ~BlockingWatcher();
    BlockingWatcher(const BlockingWatcher&) = delete;
    BlockingWatcher& operator=(const BlockingWatcher&) = delete;

    // Any thread. Starts the loop (again after a stop()); no-op while running.
    void start();
    // Any thread but the watcher's own (so with a null context, not from a handler). Returns
    // once the loop has ended: immediately, bounded by curl noticing the wakeup. Handlers
    // already queued on the context may still run until the watcher is destroyed.
    void stop();
    bool running() const { return thread_.joinable(); }

    // Any thread. The index the next query will send (0 = a non-blocking read).
    uint64_t nextIndex() const { return nextIndex_.load(); }
    // Any thread. Queries sent so far (tests, telemetry).
    uint64_t requests() const { return requests_.load(); }

  private:
    // Runs on the watcher thread with each changed reply; an error triggers back-off.
    using Sink = std::function<Status(const Response&, ContextRelay&)>;
    struct SinkTag {};
    BlockingWatcher(SinkTag, ConsulApi& api, Request request, Options options, QObject* context,
                    Sink sink, ErrorHandler onError);

    void run();
    Status handle(const Response& response);
    void reportError(const Error& error, std::chrono::milliseconds retryIn);

    ConsulApi& api_;
    const Request request_;
    const Options options_;
    Sink sink_;
    ErrorHandler onError_;
    std::unique_ptr<ContextRelay> relay_;

    std::thread thread_;
    CancelToken token_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;

    // Loop state, touched only by the watcher thread (nextIndex_ also read by others).
    std::atomic<uint64_t> nextIndex_{0};
    std::atomic<uint64_t> requests_{0};
    uint64_t lastSeenIndex_ = 0;
    uint64_t deliveredIndex_ = 0;
    std::string hash_;
    std::string deliveredBody_;
    bool delivered_ = false;
};

template <typename T>
std::unique_ptr<BlockingWatcher> BlockingWatcher::typed(
    ConsulApi& api, Call<T> call, Options options, QObject* context,
    std::function<void(const T&, uint64_t)> onChange, ErrorHandler onError) {
    Sink sink = [decode = std::move(call.decode), onChange = std::move(onChange)](
                    const Response& response, ContextRelay& relay) -> Status {
        auto value = decode(response);
        if (!value) {
            return value.error();
        }
        relay.post(
            [onChange, v = std::move(*value), index = response.index] { onChange(v, index); });
        return {};
    };
    return std::unique_ptr<BlockingWatcher>(
        new BlockingWatcher(SinkTag{}, api, std::move(call.request), options, context,
                            std::move(sink), std::move(onError)));
}

}  // namespace meshx::consul
