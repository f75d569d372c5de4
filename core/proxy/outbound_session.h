#pragma once

#include <memory>
#include <string>
#include <vector>

#include "proxy/byte_pump.h"
#include "proxy/fd_watch.h"
#include "proxy/proxy_context.h"
#include "proxy/session.h"
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
class OutboundSession : public Session {
  public:
    // Loop thread.
    OutboundSession(ProxyContext& ctx, std::shared_ptr<UpstreamTarget> target, Socket client);
    ~OutboundSession() override;

    // Loop thread. Starts dialling (or waits for the first discovery result).
    void start();
    // Loop thread. Discovery delivered the first instance list.
    void resume();
    // Session. Loop thread.
    void abort() override;
    // Loop thread (via FdWatch). Side 0 = local client, 1 = upstream instance.
    void onFdEvents(int side, uint32_t events);

  private:
    enum class State { Waiting, Connecting, Handshaking, Pumping, Closed };

    void tryNext();
    void onConnectEvent(uint32_t events);
    void continueHandshake();
    void attemptFailed(const std::string& error);
    void startPump();
    void checkPump();
    void close();
    void cancelTimer();
    void armTimer();
    // Drops the current attempt's socket and its watch.
    void retireAttempt();

    ProxyContext& ctx_;
    std::shared_ptr<UpstreamTarget> target_;
    std::shared_ptr<const TlsContext> tlsContext_;
    State state_ = State::Waiting;
    Socket clientSocket_;  // until the pump starts
    std::unique_ptr<TcpTransport> client_;
    Socket dialSocket_;  // while connecting
    std::unique_ptr<TlsConnection> tls_;
    std::unique_ptr<BytePump> pump_;
    UpstreamInstance instance_;
    std::vector<std::string> tried_;
    std::string lastError_;
    FdWatch<OutboundSession> clientWatch_{this, 0};
    // One per dial attempt (see FdWatch); retired ones wait in the loop's graveyard.
    std::shared_ptr<FdWatch<OutboundSession>> upstreamWatch_;
    EventLoop::TimerId timer_ = 0;
    // Events of each side seen before the pump started, handed to it (see BytePump::noteEvents).
    uint32_t earlyEvents_[2] = {0, 0};
};

}  // namespace meshx::proxy
