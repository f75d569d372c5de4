#pragma once

#include <memory>
#include <string>

#include "proxy/fd_watch.h"
#include "proxy/inbound_settings.h"
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
// connection at all).
class InboundSession : public ProxiedSession {
  public:
    // Loop thread.
    InboundSession(ProxyContext& ctx, std::shared_ptr<const InboundSettings> settings,
                   Socket client, SocketAddress peer);

    // Loop thread. Registers the client socket and starts the handshake.
    void start();
    // Loop thread (via FdWatch). Side 0 = client, 1 = local app.
    void onFdEvents(int side, uint32_t events);

  private:
    enum class State { Handshaking, Authorizing, Dialing, Pumping };

    void continueHandshake();
    void onDecision(const Result<AuthorizeDecision>& decision);
    void dialApp();
    void finishDial(uint32_t events);

    std::shared_ptr<const InboundSettings> settings_;
    SocketAddress peer_;
    State state_ = State::Handshaking;
    std::unique_ptr<TlsConnection> tls_;
    Socket appSocket_;  // while dialling
    std::unique_ptr<TcpTransport> app_;
    FdWatch<InboundSession> clientWatch_{this, 0};
    FdWatch<InboundSession> appWatch_{this, 1};
};

}  // namespace meshx::proxy
