#include "rpc/rpc_client_pool.h"

#include <algorithm>

#include "rpc/serialize/serializer_registry.h"

namespace meshx::rpc {

using transport::Clock;

RpcClientPool::RpcClientPool(RpcClientOptions options) : options_(std::move(options)) {}

RpcClientPool::~RpcClientPool() {
    stop();
}

Status RpcClientPool::start() {
    if (started_)
        return makeError(Code::InvalidState, "pool already started");
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
    wake_.notify_all();
    returned_.wait(lock, [this] { return busy_.empty(); });
    lock.unlock();
    if (maintenance_.joinable())
        maintenance_.join();
    lock.lock();
    for (auto& w : workers_)
        w->close();
    idle_.clear();
    workers_.clear();
    started_ = false;
}

void RpcClientPool::scheduleRetry(Worker& w, const RpcError& error) {
    // The original waits retry_proxy_fail after a socket failure and retry_hsk_fail after a
    // refused handshake before reconnecting (each ±10%).
    const bool socketFailure = error.code == RpcErrc::ConnectFailed || error.code == RpcErrc::Io;
    w.retryAt =
        Clock::now() + jitter(socketFailure ? options_.retryProxyFail : options_.retryHskFail);
    w.lastConnectError = error.toString();
}

RpcClientPool::Worker* RpcClientPool::checkout(RpcError& error) {
    Worker* w = nullptr;
    {
        std::unique_lock lock(mutex_);
        // A worker the maintenance thread is reconnecting is not "busy": wait for it rather than
        // answer `full` (poolboy would hand it out and the call would see `closed`).
        returned_.wait_for(lock, options_.timeoutConnect + options_.timeoutHsk, [this] {
            return !idle_.empty() || maintaining_ == nullptr || stopping_;
        });
        if (stopping_ || !started_) {
            error = {RpcErrc::Closed, "pool is stopped", nullptr, wire::WireError::Ok};
            return nullptr;
        }
        if (!idle_.empty()) {
            // lifo hands out the most recently returned worker (warm caches, fewer live sockets).
            if (options_.strategy == RpcClientOptions::Strategy::Lifo) {
                w = idle_.back();
                idle_.pop_back();
            } else {
                w = idle_.front();
                idle_.pop_front();
            }
        } else if (overflowInUse_ < options_.maxOverflow) {
            workers_.push_back(std::make_unique<Worker>(options_, *telemetry_));
            w = workers_.back().get();
            w->overflow = true;
            ++overflowInUse_;
        } else {
            error = {RpcErrc::Full, "all workers busy", nullptr, wire::WireError::Ok};
            return nullptr;
        }
        busy_.push_back(w);
    }
    if (!w->connected()) {
        if (Clock::now() < w->retryAt) {
            error = {RpcErrc::Closed,
                     "worker is waiting to reconnect after: " + w->lastConnectError, nullptr,
                     wire::WireError::Ok};
            checkin(w);
            return nullptr;
        }
        if (auto e = w->connect()) {
            scheduleRetry(*w, *e);
            // A refused handshake (key, blk_max_size, refs) is a configuration error: report it
            // as such. Socket-level failures read as `closed`, which callers retry.
            const bool refused = e->code == RpcErrc::InvalidDigest ||
                                 e->code == RpcErrc::InvalidHskParams ||
                                 e->code == RpcErrc::InvalidRef;
            error = refused
                        ? *e
                        : RpcError{RpcErrc::Closed, e->toString(), nullptr, wire::WireError::Ok};
            checkin(w);
            return nullptr;
        }
        w->idleLimit = options_.idleReconnect ? jitter(*options_.idleReconnect) : Millis::max();
    }
    return w;
}

void RpcClientPool::checkin(Worker* w) {
    std::lock_guard lock(mutex_);
    busy_.erase(std::find(busy_.begin(), busy_.end(), w));
    if (w->overflow) {
        // poolboy dismisses overflow workers on check-in.
        --overflowInUse_;
        workers_.erase(std::find_if(workers_.begin(), workers_.end(),
                                    [w](const auto& p) { return p.get() == w; }));
    } else {
        w->idleSince = Clock::now();
        idle_.push_back(w);
        if (!w->connected())
            wake_.notify_all();
    }
    if (busy_.empty())
        returned_.notify_all();
}

RpcResult<Payload> RpcClientPool::once(bool cast, std::string_view funName, const Payload& arg,
                                       transport::Deadline deadline) {
    RpcError error;
    Worker* w = checkout(error);
    if (w == nullptr)
        return error;
    RpcResult<Payload> r = w->request(cast, funName, arg, deadline);
    if (!r.ok() && !w->connected()) {
        // Errors close the connection (as in the original); reconnect at once — the server may
        // be back already, and a failing connect sets its own retry_proxy_fail delay.
        w->retryAt = Clock::time_point{};
    }
    checkin(w);
    return r;
}

RpcResult<Payload> RpcClientPool::withRetries(bool cast, std::string_view funName,
                                              const Payload& arg, const CallOptions& call) {
    const int retries = call.retries.value_or(options_.retries);
    Millis sleep = call.retrySleep.value_or(options_.retrySleep);
    const std::optional<Millis> timeout = call.timeout ? call.timeout : options_.callTimeout;
    for (int attempt = 0;; ++attempt) {
        const auto deadline = timeout ? Clock::now() + *timeout : transport::kNoDeadline;
        RpcResult<Payload> r = once(cast, funName, arg, deadline);
        if (r.ok() || attempt >= retries)
            return r;
        const auto& retryOn = options_.execRetryOnError;
        if (std::find(retryOn.begin(), retryOn.end(), r.error().code) == retryOn.end())
            return r;
        {
            std::unique_lock lock(mutex_);
            // Sleep, but wake for stop().
            if (wake_.wait_for(lock, jitter(sleep), [this] { return stopping_; }))
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
    p.serUs = RpcTelemetry::micros(serStart, Clock::now());  // the call event's time.ser
    RpcResult<Payload> r = withRetries(false, funName, p, call);
    if (!r)
        return r.error();
    auto value = reg.deserialize(r->serFlag, r->bytes);
    if (!value)
        return RpcError{RpcErrc::Serialization, value.error().message, nullptr,
                        wire::WireError::Ok};
    return std::move(*value);
}

void RpcClientPool::maintain() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        const auto now = Clock::now();
        auto next = now + Millis(1000);
        Worker* due = nullptr;
        bool idleRecycle = false;
        for (Worker* w : idle_) {
            if (w->peerGone()) {
                // The original notices tcp_closed in idle state and reconnects after
                // retry_idle_error.
                w->close();
                w->retryAt = now + jitter(options_.retryIdleError);
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
            due->idleLimit =
                options_.idleReconnect ? jitter(*options_.idleReconnect) : Millis::max();
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
    for (Worker* w : idle_)
        s.connected += w->connected() ? 1 : 0;
    return s;
}

}  // namespace meshx::rpc
