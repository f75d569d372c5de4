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
#include "consul/blocking_query_loop.h"
#include "consul/call.h"
#include "consul/cancel_token.h"
#include "consul/consul_api.h"
#include "consul/context_relay.h"

namespace meshx::consul {

// A BlockingQueryLoop (the query loop, its modes, errors and back-off: see there) whose handlers
// run on a QObject's thread. stop() interrupts even a query in the middle of a 10-minute wait.
class BlockingWatcher {
  public:
    using Mode = BlockingQueryLoop::Mode;
    using Options = BlockingQueryLoop::Options;

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
    void start() { loop_->start(); }
    // Any thread but the watcher's own (so with a null context, not from a handler). Returns
    // once the loop has ended: immediately, bounded by the transport noticing the cancel.
    // Handlers already queued on the context may still run until the watcher is destroyed.
    void stop() { loop_->stop(); }
    bool running() const { return loop_->running(); }

    // Any thread. The index the next query will send (0 = a non-blocking read).
    uint64_t nextIndex() const { return loop_->nextIndex(); }
    // Any thread. Queries sent so far (tests, telemetry).
    uint64_t requests() const { return loop_->requests(); }

  private:
    // Runs on the watcher thread with each changed reply; an error triggers back-off.
    using Sink = std::function<Status(const Response&, ContextRelay&)>;
    struct SinkTag {};
    BlockingWatcher(SinkTag, ConsulApi& api, Request request, Options options, QObject* context,
                    Sink sink, ErrorHandler onError);

    // Declared first, destroyed last: the loop (which posts to it) stops before it goes.
    std::unique_ptr<ContextRelay> relay_;
    std::unique_ptr<BlockingQueryLoop> loop_;
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
