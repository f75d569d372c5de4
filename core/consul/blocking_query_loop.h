#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
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

namespace meshx::consul {

// Loops one blocking query on its own thread and hands each changed result to a sink on that
// thread. No Qt: meshx-proxy's watchers use it directly; BlockingWatcher adds delivery to a
// QObject's thread on top of it.
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
// stop() interrupts even a query in the middle of a 10-minute wait (the request's CancelToken).
class BlockingQueryLoop {
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

    // Loop thread, with each changed reply; an error triggers back-off and a retry of the same
    // result (the loop's state does not advance).
    using Sink = std::function<Status(const Response&)>;
    // Loop thread.
    using ErrorHandler = std::function<void(const Error&, std::chrono::milliseconds retryIn)>;

    // Any thread. `api` must outlive the loop. Does not start.
    BlockingQueryLoop(ConsulApi& api, Request request, Options options, Sink sink,
                      ErrorHandler onError = {});

    // Typed form: decodes on the loop thread (a reply that does not decode is an error and is
    // retried with back-off), then calls `onChange` with the value and its index, same thread.
    template <typename T>
    static std::unique_ptr<BlockingQueryLoop> typed(
        ConsulApi& api, Call<T> call, Options options,
        std::function<void(const T&, uint64_t)> onChange, ErrorHandler onError = {});

    // The owner's thread. Stops and joins; no handler runs after this returns.
    ~BlockingQueryLoop();
    BlockingQueryLoop(const BlockingQueryLoop&) = delete;
    BlockingQueryLoop& operator=(const BlockingQueryLoop&) = delete;

    // Any thread. Starts the loop (again after a stop()); no-op while running.
    void start();
    // Any thread; from a handler on the loop thread it only asks the loop to end (and detaches
    // it). Otherwise returns once the loop has ended, bounded by the transport noticing the
    // cancel.
    void stop();
    bool running() const { return thread_.joinable(); }

    // Any thread. The index the next query will send (0 = a non-blocking read).
    uint64_t nextIndex() const { return nextIndex_.load(); }
    // Any thread. Queries sent so far (tests, telemetry).
    uint64_t requests() const { return requests_.load(); }

  private:
    void run();
    Status handle(const Response& response);

    ConsulApi& api_;
    const Request request_;
    const Options options_;
    Sink sink_;
    ErrorHandler onError_;

    std::thread thread_;
    CancelToken token_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;

    // Loop state, touched only by the loop thread (nextIndex_ also read by others).
    std::atomic<uint64_t> nextIndex_{0};
    std::atomic<uint64_t> requests_{0};
    uint64_t lastSeenIndex_ = 0;
    uint64_t deliveredIndex_ = 0;
    std::string hash_;
    std::string deliveredBody_;
    bool delivered_ = false;
};

template <typename T>
std::unique_ptr<BlockingQueryLoop> BlockingQueryLoop::typed(
    ConsulApi& api, Call<T> call, Options options, std::function<void(const T&, uint64_t)> onChange,
    ErrorHandler onError) {
    Sink sink = [decode = std::move(call.decode),
                 onChange = std::move(onChange)](const Response& response) -> Status {
        auto value = decode(response);
        if (!value) {
            return value.error();
        }
        onChange(*value, response.index);
        return {};
    };
    return std::make_unique<BlockingQueryLoop>(api, std::move(call.request), options,
                                               std::move(sink), std::move(onError));
}

}  // namespace meshx::consul
