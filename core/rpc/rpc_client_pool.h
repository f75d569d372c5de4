#pragma once

#include <atomic>
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
// Hand-out without a shared lock (lifo only): a healthy base worker checked in by a call is
// "parked" (an atomic state on the worker, no list, no mutex) and the next call on the same
// thread takes it back with one compare-and-swap, trying the others before falling back to the
// locked path. With 16 callers on one CPU a shared mutex taken twice per call formed convoys
// (a preempted holder, every other caller asleep on the futex, one context switch per hand-over):
// docs/rpc-benchmark.md. Everything else (overflow, back-off, reconnects, waiting, stop) runs
// under the lock as before and first adopts parked workers into the idle list; the maintenance
// thread adopts them on each round, so idle checks and recycling see them within a second.
//
// call/cast/stats: any thread, concurrently. start/stop: the owning thread; a stopped pool cannot
// be started again. Do not destroy the pool while other threads are inside call().
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
    // After a connect: the jittered idle_reconnect limit and conn_max_age expiry of `w`.
    void armLimits(Worker& w);
    // At check-in (idleSince just set): closes `w` when it has outlived conn_max_age, so the
    // maintenance thread reconnects it.
    void retireIfOld(Worker& w);
    // Lock-free: a parked worker (this thread's last one first), or nullptr.
    Worker* checkoutParked();
    // Under the lock: moves every parked worker into idle_ (they become ordinary idle workers).
    void adoptParkedLocked();
    // Under the lock: workers out on the lock-free path (not in busy_).
    size_t fastBusyLocked() const;
    // Under the lock: an idle connected worker (lifo/fifo order), else one whose back-off is over.
    Worker* takeIdleLocked(transport::Clock::time_point now);
    void checkin(Worker* worker);
    // Wakes checkout waiters and stop() after a lock-free check-in, if any wait.
    void notifyIfWaited();
    void maintain();
    void scheduleRetry(Worker& w, const RpcError& error);

    RpcClientOptions options_;
    std::unique_ptr<RpcTelemetry> telemetry_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;      // maintenance thread
    std::condition_variable returned_;  // a worker came back (stop() and checkout wait on it)
    std::vector<std::unique_ptr<Worker>> workers_;
    // The base workers, fixed from start() to the destructor: what the lock-free path scans.
    std::vector<Worker*> base_;
    std::deque<Worker*> idle_;
    std::vector<Worker*> busy_;
    size_t overflowInUse_ = 0;
    Worker* maintaining_ = nullptr;  // the worker the maintenance thread is reconnecting
    // Written under the lock; atomic (seq_cst) because the lock-free paths read them: a parked
    // check-in stores the worker's state, then reads these; a waiter raises waiters_ (stop()
    // stopping_), then scans the states. One of the two always sees the other.
    std::atomic<bool> stopping_{false};
    std::atomic<int> waiters_{0};
    bool started_ = false;
    bool stopped_ = false;
    uint64_t resends_ = 0;
    uint64_t resendsMaybeExecuted_ = 0;
    std::thread maintenance_;
};

}  // namespace meshx::rpc
