#pragma once

#include <memory>
#include <string>
#include <vector>

#include "proxy/fd_watch.h"
#include "proxy/proxied_session.h"
#include "proxy/tcp_transport.h"
#include "proxy/tls_connection.h"
#include "proxy/upstream_target.h"

namespace meshx::proxy {

// One local client connection on an upstream listener:
//
//   pick a healthy instance (round-robin) -> TCP dial -> mTLS handshake presenting our leaf
//     -> the server's URI must name the destination service -> pump bytes both ways
//
// Any failure before the pump starts (refused, timeout, TLS error, wrong identity) moves on to
// the next instance not yet tried; the client is closed only when none is left. The client is
// not read until an upstream is ready, so a retry never loses a byte.
//
// Every failure is reported to the upstream's outlier detector, which ejects the instance from
// the round-robin for a while (see OutlierDetector), so the next connections skip it. One more
// case counts as a failure although the handshake succeeded: the instance's sidecar closes or
// resets the connection before sending a single byte back while the client is still there
// (its local service refused the dial: with TLS 1.3 the client finishes its handshake before
// the server has even checked the client's certificate). That connection cannot be retried
// here, since the client's first bytes are gone to the dead instance; the client sees it end,
// and the ejection keeps its reconnect, and everyone else's, off that instance. The instance
// counts as working once it sent a byte back.
class OutboundSession : public ProxiedSession {
  public:
    // Loop thread.
    OutboundSession(ProxyContext& ctx, std::shared_ptr<UpstreamTarget> target, Socket client);

    // Loop thread. Starts dialling (or waits for the first discovery result).
    void start();
    // Loop thread. Discovery delivered the first instance list.
    void resume();
    // Loop thread (via FdWatch). Side 0 = local client, 1 = upstream instance.
    void onFdEvents(int side, uint32_t events);

  private:
    enum class State { Waiting, Connecting, Handshaking, Pumping };

    void tryNext();
    void onConnectEvent(uint32_t events);
    void continueHandshake();
    void attemptFailed(const std::string& error);
    void startPumping();
    // ProxiedSession: judges the instance from the first moments of the pump.
    void onPumpProgress(const BytePump& pump) override;
    // Reports a failure of instance_ to the balancer and logs the ejection it caused.
    void instanceFailed(const std::string& error);
    // The connect timeout of the current phase (waiting for instances, or one dial attempt).
    void armConnectTimer();
    // Drops the current attempt's socket and its watch.
    void retireAttempt();

    std::shared_ptr<UpstreamTarget> target_;
    std::shared_ptr<const TlsContext> tlsContext_;
    State state_ = State::Waiting;
    Socket clientSocket_;  // until the pump starts
    std::unique_ptr<TcpTransport> client_;
    Socket dialSocket_;  // while connecting
    std::unique_ptr<TlsConnection> tls_;
    UpstreamInstance instance_;
    std::vector<std::string> tried_;
    std::string lastError_;
    // Set once the pumping connection said whether the instance works (see onPumpProgress).
    bool judged_ = false;
    EventLoop::Clock::time_point pumpStarted_{};
    FdWatch<OutboundSession> clientWatch_{this, 0};
    // One per dial attempt (see FdWatch); retired ones wait in the loop's graveyard.
    std::shared_ptr<FdWatch<OutboundSession>> upstreamWatch_;
};

}  // namespace meshx::proxy
