#include "rpc/rpc_client_pool.h"

#include <algorithm>
#include <functional>
#include <iterator>

#include "rpc/serialize/serializer_registry.h"

namespace meshx::rpc {

using transport::Clock;
using PoolState = ClientConnection::PoolState;

RpcClientPool::RpcClientPool(RpcClientOptions options) : options_(std::move(options)) {}

RpcClientPool::~RpcClientPool() {
    stop();
}

Status RpcClientPool::start() {
    if (started_)
        return makeError(Code::InvalidState, "pool already started");
    if (stopped_)
        return makeError(Code::InvalidState, "a stopped pool cannot be started again");
    if (Status s = options_.finish(); !s)
        return s;
    if (options_.size == 0 && options_.maxOverflow == 0) {
        return makeError(Code::InvalidArgument, "pool size and max_overflow are both 0");
    }
    telemetry_ = std::make_unique<RpcTelemetry>(options_, "rpc.client");
    if (telemetry_->enabled())
        telemetry_->publish({"init", "init", "", 0, std::nullopt, "ok", nullptr}, {});
    {
        std::lock_guard lock(mutex_);
        for (size_t i = 0; i < options_.size; ++i) {
            workers_.push_back(std::make_unique<Worker>(options_, *telemetry_));
            idle_.push_back(workers_.back().get());
            base_.push_back(workers_.back().get());
        }
        started_ = true;
        stopping_ = false;
    }
    maintenance_ = std::thread([this] { maintain(); });
    return {};
}

void RpcClientPool::stop() {
    std::unique_lock lock(mutex_);
    if (!started_)
        return;
    stopping_ = true;
    for (Worker* w : busy_)
        w->abort();
    for (Worker* w : base_) {
        if (w->poolState == PoolState::FastBusy)
            w->abort();
    }
    wake_.notify_all();
    returned_.notify_all();  // callers waiting in checkout see stopping_
    returned_.wait(lock, [this] {
        adoptParkedLocked();
        return busy_.empty() && fastBusyLocked() == 0;
    });
    lock.unlock();
    if (maintenance_.joinable())
        maintenance_.join();
    lock.lock();
    for (auto& w : workers_)
        w->close();
    idle_.clear();
    // The workers stay allocated until the destructor: a call racing stop() may still read a
    // base worker's state on the lock-free path (and then sees stopping_).
    started_ = false;
    stopped_ = true;
}

void RpcClientPool::scheduleRetry(Worker& w, const RpcError& error) {
    // The original waits retry_proxy_fail after a socket failure and retry_hsk_fail after a
    // refused handshake before reconnecting (each ±10%).
    const bool socketFailure = error.code == RpcErrc::ConnectFailed || error.code == RpcErrc::Io;
    w.retryAt =
        Clock::now() + jitter(socketFailure ? options_.retryProxyFail : options_.retryHskFail);
    w.lastConnectError = error.toString();
}

RpcClientPool::Worker* RpcClientPool::takeIdleLocked(Clock::time_point now) {
    // lifo hands out the most recently returned worker (warm caches, fewer live sockets).
    const bool lifo = options_.strategy == RpcClientOptions::Strategy::Lifo;
    auto pick = [&](auto&& usable) -> Worker* {
        if (lifo) {
            for (auto it = idle_.rbegin(); it != idle_.rend(); ++it) {
                if (usable(*it)) {
                    Worker* w = *it;
                    idle_.erase(std::next(it).base());
                    return w;
                }
            }
        } else {
            for (auto it = idle_.begin(); it != idle_.end(); ++it) {
                if (usable(*it)) {
                    Worker* w = *it;
                    idle_.erase(it);
                    return w;
                }
            }
        }
        return nullptr;
    };
    // A live connection first; a worker waiting out a back-off is skipped, not handed out to
    // fail with `closed` (poolboy would, and the caller would burn a retry on it).
    if (Worker* w = pick([](Worker* c) { return c->connected(); }))
        return w;
    return pick([now](Worker* c) { return c->retryAt <= now; });
}

void RpcClientPool::adoptParkedLocked() {
    // seq_cst loads: after a waiter raised waiters_ this look must not be ordered before it.
    for (Worker* w : base_) {
        PoolState parked = PoolState::Parked;
        if (w->poolState == PoolState::Parked &&
            w->poolState.compare_exchange_strong(parked, PoolState::Managed)) {
            idle_.push_back(w);
        }
    }
}

size_t RpcClientPool::fastBusyLocked() const {
    size_t n = 0;
    for (const Worker* w : base_)
        n += w->poolState == PoolState::FastBusy ? 1 : 0;
    return n;
}

RpcClientPool::Worker* RpcClientPool::checkoutParked() {
    // fifo promises rotation over the idle list: that needs the list (and the lock).
    if (options_.strategy != RpcClientOptions::Strategy::Lifo || base_.empty())
        return nullptr;
    // This thread's last worker first (lifo per thread: warm caches, one socket per caller),
    // then the others from a per-thread start so threads do not all race for the same one.
    static thread_local const RpcClientPool* hintPool = nullptr;
    static thread_local size_t hintIndex = 0;
    const size_t n = base_.size();
    size_t start =
        hintPool == this ? hintIndex : std::hash<std::thread::id>{}(std::this_thread::get_id()) % n;
    if (start >= n)
        start = 0;
    for (size_t k = 0; k < n; ++k) {
        const size_t i = start + k < n ? start + k : start + k - n;
        Worker* w = base_[i];
        PoolState parked = PoolState::Parked;
        if (w->poolState.load(std::memory_order_relaxed) != PoolState::Parked ||
            !w->poolState.compare_exchange_strong(parked, PoolState::FastBusy)) {
            continue;
        }
        if (stopping_) {
            // stop() may have scanned before our swap: give it back and let the locked path
            // report `closed`.
            w->poolState = PoolState::Parked;
            notifyIfWaited();
            return nullptr;
        }
        hintPool = this;
        hintIndex = i;
        return w;
    }
    return nullptr;
}

void RpcClientPool::notifyIfWaited() {
    if (waiters_ > 0 || stopping_) {
        std::lock_guard lock(mutex_);
        returned_.notify_all();
    }
}

RpcClientPool::Worker* RpcClientPool::checkout(RpcError& error, transport::Deadline deadline) {
    // A failed connect puts a base worker into back-off (an overflow one is dismissed), and after
    // the first failure no new overflow worker is tried: the loop ends with a healthy worker, a
    // wait for one, or `closed` after kMaxConnectFailures.
    constexpr int kMaxConnectFailures = 3;
    int failures = 0;
    std::string lastFailure;
    for (;;) {
        Worker* w = nullptr;
        {
            std::unique_lock lock(mutex_);
            for (;;) {
                if (stopping_ || !started_) {
                    error = {RpcErrc::Closed, "pool is stopped", nullptr, wire::WireError::Ok};
                    return nullptr;
                }
                const auto now = Clock::now();
                adoptParkedLocked();
                w = takeIdleLocked(now);
                if (w != nullptr)
                    break;
                if (overflowInUse_ < options_.maxOverflow && failures == 0) {
                    workers_.push_back(std::make_unique<Worker>(options_, *telemetry_));
                    w = workers_.back().get();
                    w->overflow = true;
                    ++overflowInUse_;
                    break;
                }
                // Every idle worker (if any) is backing off. A busy worker is a call in flight on
                // a working connection (or one being reconnected): wait for it rather than fail
                // the call because another worker's provider died.
                if (idle_.empty() && maintaining_ == nullptr) {
                    error = failures == 0 ? RpcError{RpcErrc::Full, "all workers busy", nullptr,
                                                     wire::WireError::Ok}
                                          : RpcError{RpcErrc::Closed, lastFailure, nullptr,
                                                     wire::WireError::Ok};
                    return nullptr;
                }
                if (busy_.empty() && fastBusyLocked() == 0) {
                    // Nobody is healthy: the upstream is unreachable; the caller backs off.
                    error = {RpcErrc::Closed,
                             "worker is waiting to reconnect after: " +
                                 (idle_.empty() ? lastFailure : idle_.front()->lastConnectError),
                             nullptr, wire::WireError::Ok};
                    return nullptr;
                }
                if (now >= deadline) {
                    error = {RpcErrc::Timeout, "no worker free before the call timeout", nullptr,
                             wire::WireError::Ok};
                    return nullptr;
                }
                // Re-check at least every second (and never hand Deadline::max() to the cv).
                auto until = std::min(deadline, now + Millis(1000));
                for (Worker* c : idle_)
                    until = std::min(until, c->retryAt);
                // Announce the wait before the last look at parked workers: a lock-free
                // check-in after that look sees waiters_ and notifies (notifyIfWaited).
                ++waiters_;
                const size_t before = idle_.size();
                adoptParkedLocked();
                if (idle_.size() == before)
                    returned_.wait_until(lock, until);
                --waiters_;
            }
            busy_.push_back(w);
        }
        if (w->connected())
            return w;
        if (auto e = w->connect()) {
            scheduleRetry(*w, *e);
            checkin(w);
            // A refused handshake (key, blk_max_size, refs) is a configuration error: report it
            // as such. A socket-level failure puts only this worker in back-off; try another.
            const bool refused = e->code == RpcErrc::InvalidDigest ||
                                 e->code == RpcErrc::InvalidHskParams ||
                                 e->code == RpcErrc::InvalidRef;
            if (refused) {
                error = *e;
                return nullptr;
            }
            lastFailure = e->toString();
            if (++failures >= kMaxConnectFailures) {
                error = {RpcErrc::Closed, lastFailure, nullptr, wire::WireError::Ok};
                return nullptr;
            }
            continue;
        }
        armLimits(*w);
        return w;
    }
}

void RpcClientPool::armLimits(Worker& w) {
    w.idleLimit = options_.idleReconnect ? jitter(*options_.idleReconnect) : Millis::max();
    w.expiresAt = options_.connMaxAge ? Clock::now() + jitter(*options_.connMaxAge)
                                      : Clock::time_point::max();
}

void RpcClientPool::retireIfOld(Worker& w) {
    if (w.idleSince < w.expiresAt || !w.connected()) {
        return;
    }
    // Between calls nothing is in flight on it: closing loses nothing, and the maintenance
    // thread dials again, which a sidecar may route to another instance.
    w.close();
    w.retryAt = Clock::time_point{};
    if (telemetry_->enabled()) {
        telemetry_->publish({"idle", "idle", "", 0, std::nullopt, "conn_max_age", nullptr}, {});
    }
}

void RpcClientPool::checkin(Worker* w) {
    const bool lifo = options_.strategy == RpcClientOptions::Strategy::Lifo;
    if (w->poolState.load(std::memory_order_relaxed) == PoolState::FastBusy) {
        w->idleSince = Clock::now();
        retireIfOld(*w);
        if (w->connected()) {
            // The hot path: park it, no lock. Waiters (or stop()) are told.
            w->poolState = PoolState::Parked;
            notifyIfWaited();
            return;
        }
        // Broken: back to the idle list for the maintenance thread.
        std::lock_guard lock(mutex_);
        w->poolState = PoolState::Managed;
        idle_.push_back(w);
        wake_.notify_all();
        returned_.notify_all();
        return;
    }
    std::lock_guard lock(mutex_);
    busy_.erase(std::find(busy_.begin(), busy_.end(), w));
    if (w->overflow) {
        // poolboy dismisses overflow workers on check-in.
        --overflowInUse_;
        workers_.erase(std::find_if(workers_.begin(), workers_.end(),
                                    [w](const auto& p) { return p.get() == w; }));
    } else {
        w->idleSince = Clock::now();
        retireIfOld(*w);
        if (lifo && w->connected() && !stopping_) {
            w->poolState = PoolState::Parked;  // from now on the lock-free path can take it
        } else {
            idle_.push_back(w);
            if (!w->connected())
                wake_.notify_all();
        }
    }
    // Callers may be waiting for a worker (checkout), stop() for all of them.
    returned_.notify_all();
}

RpcResult<Payload> RpcClientPool::once(bool cast, std::string_view funName, const Payload& arg,
                                       transport::Deadline deadline, bool resendSent) {
    Worker* w = nullptr;
    for (int resends = 0;;) {
        if (w == nullptr) {
            RpcError error;
            w = checkoutParked();
            if (w == nullptr)
                w = checkout(error, deadline);
            if (w == nullptr)
                return error;
        }
        RpcResult<Payload> r = w->request(cast, funName, arg, deadline);
        bool resend = !r.ok() && !w->connected() && w->lostBeforeReply() &&
                      (resendSent || w->progress() != Worker::Progress::Sent) &&
                      resends < kMaxResends && Clock::now() < deadline;
        if (resend) {
            std::lock_guard lock(mutex_);
            resend = !stopping_;  // stop() aborted the call: do not reconnect under it
        }
        if (!resend) {
            // Errors close the connection (as in the original); reconnect at once — the server
            // may be back already, and a failing connect sets its own back-off.
            if (!r.ok() && !w->connected())
                w->retryAt = Clock::time_point{};
            checkin(w);
            return r;
        }
        ++resends;
        const auto progress = w->progress();
        w->reportResend(w->fresh(), progress);
        {
            std::lock_guard lock(mutex_);
            ++resends_;
            if (progress == Worker::Progress::Sent)
                ++resendsMaybeExecuted_;
        }
        // The connection had worked: reconnect at once, no back-off (a sidecar routes the new
        // connection to a healthy instance; an Elixir server that dropped the first request on a
        // fresh connection serves the next one). If that fails, another worker carries the call.
        if (auto e = w->connect()) {
            scheduleRetry(*w, *e);
            checkin(w);
            w = nullptr;
        } else {
            armLimits(*w);
        }
    }
}

RpcResult<Payload> RpcClientPool::withRetries(bool cast, std::string_view funName,
                                              const Payload& arg, const CallOptions& call) {
    const int retries = call.retries.value_or(options_.retries);
    Millis sleep = call.retrySleep.value_or(options_.retrySleep);
    const std::optional<Millis> timeout = call.timeout ? call.timeout : options_.callTimeout;
    const auto& retryOn = options_.execRetryOnError;
    // Resending a request that may have run is what the original's retry on tcp_closed does;
    // a caller that turned that retry off gets at most once.
    const bool resendSent = retries > 0 && std::find(retryOn.begin(), retryOn.end(),
                                                     RpcErrc::TcpClosed) != retryOn.end();
    for (int attempt = 0;; ++attempt) {
        const auto deadline = timeout ? Clock::now() + *timeout : transport::kNoDeadline;
        RpcResult<Payload> r = once(cast, funName, arg, deadline, resendSent);
        if (r.ok() || attempt >= retries)
            return r;
        if (std::find(retryOn.begin(), retryOn.end(), r.error().code) == retryOn.end())
            return r;
        {
            std::unique_lock lock(mutex_);
            // Sleep, but wake for stop().
            if (wake_.wait_for(lock, jitter(sleep), [this] { return stopping_.load(); }))
                return r;
        }
        sleep *= 2;
    }
}

RpcResult<Payload> RpcClientPool::call(std::string_view funName, const Payload& arg,
                                       const CallOptions& call) {
    return withRetries(false, funName, arg, call);
}

RpcResult<bool> RpcClientPool::cast(std::string_view funName, const Payload& arg,
                                    const CallOptions& call) {
    RpcResult<Payload> r = withRetries(true, funName, arg, call);
    if (!r)
        return r.error();
    return true;
}

RpcResult<nlohmann::json> RpcClientPool::callJson(std::string_view funName,
                                                  const nlohmann::json& arg,
                                                  const CallOptions& call) {
    auto& reg = SerializerRegistry::global();
    Payload p;
    const auto serStart = Clock::now();
    auto flag = reg.serialize(options_.serializer, arg, p.bytes);
    if (!flag)
        return RpcError{RpcErrc::Serialization, flag.error().message, nullptr, wire::WireError::Ok};
    p.serFlag = *flag;
    p.serNs = RpcTelemetry::nanos(serStart, Clock::now());  // the call event's time.ser
    // The reply is decoded by the connection, before it publishes the call event (time.dser).
    std::optional<Result<nlohmann::json>> value;
    const Payload::ReplyDecoder decode = [&reg, &value](const Payload& reply) {
        value = reg.deserialize(reply.serFlag, reply.bytes);
    };
    p.decodeReply = &decode;
    RpcResult<Payload> r = withRetries(false, funName, p, call);
    if (!r)
        return r.error();
    if (!value) {
        value = reg.deserialize(r->serFlag, r->bytes);  // a reply that came another way
    }
    if (!*value)
        return RpcError{RpcErrc::Serialization, value->error().message, nullptr,
                        wire::WireError::Ok};
    return std::move(**value);
}

void RpcClientPool::maintain() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        // Parked workers join the idle list for this round's checks (peer gone, idle recycle);
        // callers park them again after their next call.
        adoptParkedLocked();
        const auto now = Clock::now();
        auto next = now + Millis(1000);
        Worker* due = nullptr;
        bool idleRecycle = false;
        for (Worker* w : idle_) {
            if (w->peerGone()) {
                // The original waits retry_idle_error before reconnecting after an idle
                // tcp_closed. A connection that had served calls reconnects at once instead (the
                // provider died, a sidecar reaches another one; a failed connect backs off in
                // scheduleRetry). One closed before serving anything keeps the wait, so a peer
                // that closes every fresh connection cannot make us spin.
                const bool hadWorked = !w->fresh();
                w->close();
                w->retryAt = hadWorked ? now : now + jitter(options_.retryIdleError);
            }
            if (!w->connected()) {
                if (w->retryAt <= now) {
                    due = w;
                    break;
                }
                next = std::min(next, w->retryAt);
            } else if (w->idleLimit != Millis::max()) {
                const auto at = w->idleSince + w->idleLimit;
                if (at <= now) {
                    due = w;
                    idleRecycle = true;
                    break;
                }
                next = std::min(next, at);
            }
        }
        if (due == nullptr) {
            wake_.wait_until(lock, next);
            continue;
        }
        // Take it out of the idle list while (re)connecting, without holding the lock.
        idle_.erase(std::find(idle_.begin(), idle_.end(), due));
        busy_.push_back(due);
        maintaining_ = due;
        lock.unlock();
        if (idleRecycle && telemetry_->enabled()) {
            telemetry_->publish({"idle", "idle", "", 0, std::nullopt, "idle_reconnect", nullptr},
                                {});
        }
        if (auto e = due->connect()) {
            scheduleRetry(*due, *e);
        } else {
            armLimits(*due);
        }
        lock.lock();
        busy_.erase(std::find(busy_.begin(), busy_.end(), due));
        maintaining_ = nullptr;
        due->idleSince = Clock::now();
        idle_.push_back(due);
        returned_.notify_all();
    }
}

RpcClientPool::Stats RpcClientPool::stats() const {
    std::lock_guard lock(mutex_);
    Stats s;
    s.workers = workers_.size();
    s.idle = idle_.size();
    s.overflow = overflowInUse_;
    s.resends = resends_;
    s.resendsMaybeExecuted = resendsMaybeExecuted_;
    for (Worker* w : idle_)
        s.connected += w->connected() ? 1 : 0;
    for (const Worker* w : base_) {
        if (w->poolState == PoolState::Parked) {
            ++s.idle;  // parked workers were connected when checked in
            ++s.connected;
        }
    }
    return s;
}

}  // namespace meshx::rpc
