#include "proxy/proxied_session.h"

namespace meshx::proxy {

ProxiedSession::ProxiedSession(ProxyContext& ctx, const char* logger, std::string contextKey,
                               std::string contextValue)
    : ctx_(ctx),
      logger_(logger),
      contextKey_(std::move(contextKey)),
      contextValue_(std::move(contextValue)) {
    flow_.ref = FlowRecord::nextRef();
}

ProxiedSession::~ProxiedSession() {
    cancelTimer();
}

void ProxiedSession::armTimer(std::chrono::milliseconds delay, std::function<void()> onExpiry) {
    cancelTimer();
    timer_ = ctx_.loop.runAfter(delay, [this, onExpiry = std::move(onExpiry)] {
        timer_ = 0;
        onExpiry();
    });
}

void ProxiedSession::cancelTimer() {
    if (timer_ != 0) {
        ctx_.loop.cancelTimer(timer_);
        timer_ = 0;
    }
}

void ProxiedSession::startPump(Transport& downstream, Transport& upstream,
                               IoHandler* downstreamWatch, IoHandler* upstreamWatch) {
    cancelTimer();
    if (UringLoop* ring = ctx_.loop.uring()) {
        ctx_.loop.unwatch(downstream.fd());
        ctx_.loop.unwatch(upstream.fd());
        downstream.attachRing(*ring, downstreamWatch);
        upstream.attachRing(*ring, upstreamWatch);
    }
    pump_ = std::make_unique<BytePump>(ctx_.loop, downstream, upstream);
    const bool timeTurns = turnTiming_ || FlowEvents::turnTimingEverywhere();
    if (timeTurns || FlowEvents::enabled()) {
        FlowEvents::noteAddresses(flow_, downstream.fd(), upstream.fd());
    }
    if (timeTurns) {
        turns_ = std::make_unique<FlowTurns>(flow_);
        pump_->timeTurns(*turns_);
    }
    FlowEvents::accepted(flow_);
    pump_->noteEvents(0, early_[0]);
    pump_->noteEvents(1, early_[1]);
    pump_->run();
    checkPump();
}

void ProxiedSession::pumpEvents(int side, uint32_t events) {
    if (!closed_) {
        pump_->onEvents(side, events);
        checkPump();
    }
}

void ProxiedSession::checkPump() {
    onPumpProgress(*pump_);
    if (pump_->failed()) {
        ctx_.log.error(logger_, "connection failed",
                       {{contextKey_, contextValue_}, {"error", pump_->error()}});
        close();
    } else if (pump_->finished()) {
        close();
    }
}

void ProxiedSession::close() {
    if (closed_) {
        return;
    }
    closed_ = true;
    cancelTimer();
    if (pump_) {
        pump_->finishTurns();
        ProxyStats::add(ctx_.stats.bytesIn, pump_->bytesDelivered(0));
        ProxyStats::add(ctx_.stats.bytesOut, pump_->bytesDelivered(1));
        if (FlowEvents::enabled()) {
            const std::string reason = pump_->failed()     ? "error: " + pump_->error()
                                       : pump_->finished() ? std::string("completed")
                                                           : std::string("aborted");
            FlowEvents::closed(flow_, pump_->bytesDelivered(0), pump_->bytesDelivered(1), reason);
        }
    } else if (!refusal_.empty()) {
        FlowEvents::refused(flow_, refusal_);
    }
    ctx_.sessions.finish(id());
}

}  // namespace meshx::proxy
