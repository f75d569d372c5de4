#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "proxy/byte_pump.h"
#include "proxy/flow_event.h"
#include "proxy/proxy_context.h"
#include "proxy/session.h"

namespace meshx::proxy {

// What inbound and outbound sessions share once their two sockets exist: one timer for the
// setup phase (handshake, dial), readiness seen before the pump starts, the pump itself, and an
// idempotent close that books the byte counts and hands the session back to its tracker.
class ProxiedSession : public Session {
  public:
    // Session. Loop thread.
    void abort() override { close(); }

  protected:
    // Loop thread. `logger` names the log lines (`proxy.inbound`, `proxy.upstream`); `context`
    // is one key=value pair added to them (which service or upstream).
    ProxiedSession(ProxyContext& ctx, const char* logger, std::string contextKey,
                   std::string contextValue);
    ~ProxiedSession() override;

    // Loop thread. One timer at a time; close() and cancelTimer() disarm it, so `onExpiry`
    // never runs on a finished session.
    void armTimer(std::chrono::milliseconds delay, std::function<void()> onExpiry);
    void cancelTimer();

    // Loop thread. Before the pump exists: remembers readiness of `side` (edge-triggered
    // events do not come twice).
    void noteEarlyEvents(int side, uint32_t events) { early_[side] |= events; }
    // After a socket was replaced (a retried dial): its old readiness no longer applies.
    void forgetEarlyEvents(int side) { early_[side] = 0; }

    // Loop thread. Connects the two transports (side 0 = downstream, 1 = upstream) and moves
    // what is already waiting; the session ends when the pump finishes or fails. On an io_uring
    // loop the two sockets leave the epoll set and relay through the ring, which reports their
    // readiness to the same handlers (`downstreamWatch`, `upstreamWatch`).
    void startPump(Transport& downstream, Transport& upstream, IoHandler* downstreamWatch,
                   IoHandler* upstreamWatch);
    // Loop thread, before startPump(). Times the connection's turns (`turn` flow events, see
    // FlowTurns): the sidecar's or upstream's meshx_turn_timing.
    void setTurnTiming(bool on) { turnTiming_ = on; }
    // Loop thread. Events of a pumping session.
    void pumpEvents(int side, uint32_t events);
    bool pumping() const { return pump_ != nullptr; }
    // Loop thread. Called after every pump step, before the session closes on the pump's end or
    // failure: a subclass can judge the peer from what moved (OutboundSession does).
    virtual void onPumpProgress(const BytePump& pump) { (void)pump; }

    // Loop thread. Ends the session (sockets close after the current batch of events).
    void close();
    bool closed() const { return closed_; }
    // Loop thread. Ends a session that never pumped as refused: the flow event says `reason`.
    void refuse(const std::string& reason) {
        refusal_ = reason;
        close();
    }

    ProxyContext& ctx_;
    // The flow as subclasses learn it (peer, intention, instance); published as flow events.
    FlowRecord flow_;

  private:
    void checkPump();

    const char* logger_;
    std::string contextKey_;
    std::string contextValue_;
    bool turnTiming_ = false;
    std::unique_ptr<FlowTurns> turns_;  // while turns are timed; outlives the pump that uses it
    std::unique_ptr<BytePump> pump_;
    uint32_t early_[2] = {0, 0};
    EventLoop::TimerId timer_ = 0;
    bool closed_ = false;
    std::string refusal_;
};

}  // namespace meshx::proxy
