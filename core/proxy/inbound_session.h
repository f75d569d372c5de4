#pragma once

#include <memory>
#include <string>

#include "proxy/fd_watch.h"
#include "proxy/inbound_settings.h"
#include "proxy/local_app_health.h"
#include "proxy/proxied_session.h"
#include "proxy/tcp_transport.h"
#include "proxy/tls_connection.h"

namespace meshx::proxy {

// One connection on the public listener:
//
//   TLS handshake (client cert verified against the roots, EKU clientAuth)
//     -> identity: URI SAN parsed as a service identity, trust domain checked
//     -> authorize (async) -> dial the local app -> pump bytes both ways
//
// Nothing is read from the client and nothing reaches the app before authorization has allowed
// the connection (Consul dials the app first; here a denied client never causes an app
// connection at all, as long as the app is up).
//
// When the app cannot be reached the caller must learn it fast and unmistakably, so its sidecar
// ejects this instance and sends the connection elsewhere (OutboundSession):
//  - a failed dial after the handshake resets the connection (no close_notify, no end of stream
//    that could pass for an answer) and marks the app down in LocalAppHealth;
//  - while the app is marked down (or suspect: it ended a connection first, as a crash ends all
//    of them), a new connection dials the app *before* the handshake
//    (ProbingApp). Refused again: the connection is reset before a single TLS byte, which the
//    caller's sidecar sees as a failed handshake and retries on another instance before its
//    client sent anything. Reached: the app is up again, and that app connection is the one used
//    once authorization allows.
class InboundSession : public ProxiedSession {
  public:
    // Loop thread.
    InboundSession(ProxyContext& ctx, std::shared_ptr<const InboundSettings> settings,
                   std::shared_ptr<LocalAppHealth> appHealth, Socket client, SocketAddress peer);

    // Loop thread. Registers the client socket and starts the handshake.
    void start();
    // Loop thread (via FdWatch). Side 0 = client, 1 = local app.
    void onFdEvents(int side, uint32_t events);

  private:
    enum class State { ProbingApp, Handshaking, Authorizing, Dialing, Pumping };

    void armHandshakeTimer();
    void continueHandshake();
    void onDecision(const Result<AuthorizeDecision>& decision);
    // Starts the non-blocking dial of the app (ProbingApp or Dialing); false when it failed at
    // once (the session is closed then).
    bool dialApp();
    void finishDial(uint32_t events);
    void appDialFailed(const std::string& error);
    void startForwarding();
    // ProxiedSession: the app ending first makes it suspect (see LocalAppHealth).
    void onPumpProgress(const BytePump& pump) override;

    std::shared_ptr<const InboundSettings> settings_;
    std::shared_ptr<LocalAppHealth> appHealth_;
    SocketAddress peer_;
    State state_ = State::Handshaking;
    std::unique_ptr<TlsConnection> tls_;
    Socket appSocket_;  // while dialling, and after a successful probe until forwarding
    bool appConnected_ = false;
    bool appEndSeen_ = false;  // appSocket_ is connected (the probe before the handshake)
    std::unique_ptr<TcpTransport> app_;
    FdWatch<InboundSession> clientWatch_{this, 0};
    FdWatch<InboundSession> appWatch_{this, 1};
};

}  // namespace meshx::proxy
