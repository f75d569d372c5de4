#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "rpc/client_connection.h"
#include "rpc/payload.h"
#include "rpc/rpc_error.h"
#include "rpc/rpc_options.h"
#include "rpc/rpc_telemetry.h"

namespace meshx::rpc {

// Per-call overrides of the pool's call/6 defaults.
struct CallOptions {
    std::optional<Millis> timeout;     // nullopt: the pool's callTimeout
    std::optional<int> retries;        // nullopt: the pool's retries
    std::optional<Millis> retrySleep;  // nullopt: the pool's retrySleep
};

// MeshxRpc.Client.Pool: `size` workers plus up to `maxOverflow` temporary ones, handed out lifo or
// fifo; `full` when every worker is busy (no waiting, like poolboy's non-blocking checkout). The
// calling thread does the I/O on the worker it checked out, so a call costs no thread hand-off.
//
// Failover (docs/rpc-protocol.md, "Failover and resends"): a worker whose connection dies under a
// call reconnects at once on the calling thread (behind a sidecar that reaches a healthy
// instance) and the call is resent there, or on another worker, when the connection closed before
// any reply byte — at most kMaxResends times per attempt, each counted (`resend` event,
// Stats::resends). Like the original's retry on tcp_closed this is at-least-once for a request
// already fully sent. Idle workers in back-off are skipped; a call waits for a healthy busy
// worker rather than fail with `closed`. Errors in execRetryOnError (closed, tcp_closed) that are
// left are retried with jittered exponential back-off. A maintenance thread reconnects broken
// idle workers (the first attempt at once, then after retry_proxy_fail / retry_hsk_fail) and
// recycles idle ones after idle_reconnect.
//
// call/cast/stats: any thread, concurrently. start/stop: the owning thread. Do not destroy the
// pool while other threads are inside call().
class RpcClientPool {
  public:
    explicit RpcClientPool(RpcClientOptions options);
    ~RpcClientPool();
    RpcClientPool(const RpcClientPool&) = delete;
    RpcClientPool& operator=(const RpcClientPool&) = delete;

    // Validates options and starts the workers connecting in the background (a call on a worker
    // still unconnected connects it itself). Errors: InvalidArgument.
    Status start();
    // Aborts calls in progress, closes every connection and joins the maintenance thread.
    void stop();

    // A call with a serialized argument; the result as the server serialized it.
    RpcResult<Payload> call(std::string_view funName, const Payload& arg,
                            const CallOptions& call = {});
    // A cast: returns once the server acknowledged it (received and started, not finished).
    RpcResult<bool> cast(std::string_view funName, const Payload& arg,
                         const CallOptions& call = {});
    // The same over values, serialized with options().serializer and decoded by the reply's flag.
    RpcResult<nlohmann::json> callJson(std::string_view funName, const nlohmann::json& arg,
                                       const CallOptions& call = {});

    struct Stats {
        size_t workers = 0;    // existing workers (base + overflow)
        size_t idle = 0;       // checked in
        size_t connected = 0;  // idle workers with a live connection
        size_t overflow = 0;   // overflow workers in use
        uint64_t resends = 0;  // requests resent after their connection closed before a reply
        uint64_t resendsMaybeExecuted = 0;  // of those, the ones fully sent (may have run twice)
    };
    // Resends per attempt before the call falls back to the back-off retries.
    static constexpr int kMaxResends = 4;
    Stats stats() const;
    const RpcClientOptions& options() const { return options_; }

  private:
    using Worker = ClientConnection;

    RpcResult<Payload> withRetries(bool cast, std::string_view funName, const Payload& arg,
                                   const CallOptions& call);
    // `resendSent`: a request fully sent before its connection closed may be resent (it may
    // have run); otherwise only requests that cannot have run are.
    RpcResult<Payload> once(bool cast, std::string_view funName, const Payload& arg,
                            transport::Deadline deadline, bool resendSent);
    Worker* checkout(RpcError& error, transport::Deadline deadline);
    // Under the lock: an idle connected worker (lifo/fifo order), else one whose back-off is over.
    Worker* takeIdleLocked(transport::Clock::time_point now);
    void checkin(Worker* worker);
    void maintain();
    void scheduleRetry(Worker& w, const RpcError& error);

    RpcClientOptions options_;
    std::unique_ptr<RpcTelemetry> telemetry_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;      // maintenance thread
    std::condition_variable returned_;  // a worker came back (stop() and checkout wait on it)
    std::vector<std::unique_ptr<Worker>> workers_;
    std::deque<Worker*> idle_;
    std::vector<Worker*> busy_;
    size_t overflowInUse_ = 0;
    Worker* maintaining_ = nullptr;  // the worker the maintenance thread is reconnecting
    bool stopping_ = false;
    bool started_ = false;
    uint64_t resends_ = 0;
    uint64_t resendsMaybeExecuted_ = 0;
    std::thread maintenance_;
};

}  // namespace meshx::rpc
