#include "proxy/inbound_session.h"

#include <sys/epoll.h>

#include <cerrno>

namespace meshx::proxy {

namespace {
constexpr uint32_t kConnEvents = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
}

InboundSession::InboundSession(ProxyContext& ctx, std::shared_ptr<const InboundSettings> settings,
                               std::shared_ptr<LocalAppHealth> appHealth, Socket client,
                               SocketAddress peer)
    : ProxiedSession(ctx, "proxy.inbound", "service", settings->service),
      settings_(std::move(settings)),
      appHealth_(std::move(appHealth)),
      peer_(peer),
      tls_(std::make_unique<TlsConnection>(ctx.tls, TlsConnection::Role::Server,
                                           std::move(client))) {
    flow_.direction = "inbound";
    flow_.service = settings_->service;
    flow_.src = peer_.toString();
    flow_.dst = settings_->localApp.toString();
    setTurnTiming(settings_->turnTiming);
}

void InboundSession::start() {
    ctx_.loop.watch(tls_->fd(), kConnEvents, &clientWatch_);
    if (appHealth_->down || appHealth_->suspect) {
        // The client's hello waits in the kernel until we know whether the app is back.
        state_ = State::ProbingApp;
        dialApp();
        return;
    }
    armHandshakeTimer();
    continueHandshake();
}

void InboundSession::armHandshakeTimer() {
    armTimer(settings_->handshakeTimeout, [this] {
        ctx_.log.error("proxy.connect", "TLS handshake failed",
                       {{"service", settings_->service},
                        {"src", peer_.toString()},
                        {"error", "handshake and authorization timed out"}});
        ProxyStats::add(ctx_.stats.inboundHandshakeFailures);
        refuse("handshake and authorization timed out");
    });
}

void InboundSession::onFdEvents(int side, uint32_t events) {
    if (closed()) {
        return;
    }
    if (state_ == State::Pumping) {
        pumpEvents(side, events);
        return;
    }
    noteEarlyEvents(side, events);
    switch (state_) {
        case State::Handshaking:
            // Side 1 is an app connection made by the probe: its readiness is kept for the pump.
            if (side == 0) {
                continueHandshake();
            }
            return;
        case State::ProbingApp:
        case State::Dialing:
            if (side == 1) {
                finishDial(events);
            } else if (events & (EPOLLERR | EPOLLHUP)) {
                close();
            }
            return;
        case State::Authorizing:
            // Nothing is read before the decision; only notice a peer that went away.
            if (events & (EPOLLERR | EPOLLHUP)) {
                close();
            }
            return;
        case State::Pumping:
            return;
    }
}

void InboundSession::continueHandshake() {
    IoResult r = tls_->handshake();
    if (r.status == IoResult::Status::WantRead || r.status == IoResult::Status::WantWrite) {
        return;
    }
    if (r.status != IoResult::Status::Ok) {
        if (!tls_->receivedAny()) {
            // Connected and left without a byte: a TCP health check (the agent's default
            // "Connect Sidecar Listening" probes every 10 s) or a port scan. Not worth an error.
            ctx_.log.debug("proxy.connect", "connection closed before the TLS handshake",
                           {{"service", settings_->service}, {"src", peer_.toString()}});
            close();
            return;
        }
        ProxyStats::add(ctx_.stats.inboundHandshakeFailures);
        ctx_.log.error("proxy.connect", "TLS handshake failed",
                       {{"service", settings_->service},
                        {"src", peer_.toString()},
                        {"error", tls_->errorText()}});
        refuse("TLS handshake failed: " + tls_->errorText());
        return;
    }

    std::string uri = tls_->peerUri();
    flow_.peerId = uri;
    auto identity = ServiceIdentity::parse(uri);
    std::string denial;
    if (!identity) {
        denial = identity.error().message + ": '" + uri + "'";
    } else if (const auto& domain = ctx_.tls->trustDomain();
               !domain.empty() && !identity->inTrustDomain(domain)) {
        // Roots constrain DNS names only, so a foreign trust domain still chain-verifies; the
        // comparison has to be explicit.
        denial = "Identity from an external trust domain: " + identity->trustDomain;
    }
    if (!denial.empty()) {
        ProxyStats::add(ctx_.stats.inboundDenied);
        ctx_.log.error("proxy.connect", "authz call denied",
                       {{"service", settings_->service}, {"reason", denial}, {"client_uri", uri}});
        refuse(denial);
        return;
    }

    state_ = State::Authorizing;
    uint64_t id = this->id();
    SessionTracker* sessions = &ctx_.sessions;
    AuthorizeRequest request{settings_->service, uri, tls_->peerSerial()};
    ctx_.authorizer.authorize(request, [sessions, id](Result<AuthorizeDecision> decision) {
        if (auto* s = static_cast<InboundSession*>(sessions->find(id))) {
            s->onDecision(decision);
        }
    });
}

void InboundSession::onDecision(const Result<AuthorizeDecision>& decision) {
    if (state_ != State::Authorizing) {
        return;
    }
    if (!decision) {
        ProxyStats::add(ctx_.stats.inboundDenied);
        ctx_.log.error("proxy.connect", "authz call failed",
                       {{"service", settings_->service}, {"error", decision.error().message}});
        refuse("no authorization decision: " + decision.error().message);
        return;
    }
    flow_.intention = decision->reason;
    if (!decision->authorized) {
        ProxyStats::add(ctx_.stats.inboundDenied);
        ctx_.log.error("proxy.connect", "authz call denied",
                       {{"service", settings_->service},
                        {"reason", decision->reason},
                        {"client_uri", tls_->peerUri()}});
        refuse("denied: " + decision->reason);
        return;
    }
    if (appConnected_) {
        startForwarding();  // the probe before the handshake already reached the app
        return;
    }
    dialApp();
}

bool InboundSession::dialApp() {
    if (state_ != State::ProbingApp) {
        state_ = State::Dialing;
    }
    auto sock = Socket::connect(settings_->localApp);
    if (!sock) {
        appDialFailed(sock.error().message);
        return false;
    }
    appSocket_ = std::move(*sock);
    ctx_.loop.watch(appSocket_.fd(), kConnEvents, &appWatch_);
    armTimer(settings_->localConnectTimeout, [this] {
        appDialFailed("dial tcp " + settings_->localApp.toString() + ": i/o timeout");
    });
    return true;
}

void InboundSession::finishDial(uint32_t events) {
    if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
        return;
    }
    int err = appSocket_.pendingError();
    if (err == 0 && (events & (EPOLLERR | EPOLLHUP))) {
        err = ECONNREFUSED;
    }
    if (err != 0) {
        appDialFailed("dial tcp " + settings_->localApp.toString() +
                      ": connect: " + Socket::errnoText(err));
        return;
    }
    appHealth_->suspect = false;
    if (appHealth_->down) {
        appHealth_->down = false;
        ctx_.log.info(
            "proxy.inbound", "local service reachable again",
            {{"service", settings_->service}, {"address", settings_->localApp.toString()}});
    }
    if (state_ == State::ProbingApp) {
        appConnected_ = true;
        state_ = State::Handshaking;
        armHandshakeTimer();
        continueHandshake();
        return;
    }
    startForwarding();
}

void InboundSession::appDialFailed(const std::string& error) {
    ProxyStats::add(ctx_.stats.inboundDialFailures);
    appHealth_->down = true;
    uint64_t suppressed = 0;
    if (appHealth_->dialFailureLog.allow(ctx_.loop.now(), &suppressed)) {
        if (suppressed == 0) {
            ctx_.log.error("proxy.inbound", "failed to dial", {{"error", error}});
        } else {
            ctx_.log.error(
                "proxy.inbound", "failed to dial",
                {{"error", error}, {"suppressed_since_last", std::to_string(suppressed)}});
        }
    }
    // A reset, not an end of stream: nothing was or will be delivered, and the caller's sidecar
    // must not mistake this for a service that answered and hung up.
    Socket::resetOnClose(tls_->fd());
    refuse("local service unreachable: " + error);
}

void InboundSession::onPumpProgress(const BytePump& pump) {
    const bool clientEnded = pump.ended(0) || pump.failedSide() == 0;
    const bool appEnded = pump.ended(1) || pump.failedSide() == 1;
    if (appEnded && !clientEnded && !appEndSeen_) {
        appEndSeen_ = true;
        appHealth_->suspect = true;
    }
}

void InboundSession::startForwarding() {
    ProxyStats::add(ctx_.stats.inboundForwarded);
    app_ = std::make_unique<TcpTransport>(std::move(appSocket_));
    state_ = State::Pumping;
    startPump(*tls_, *app_, &clientWatch_, &appWatch_);
}

}  // namespace meshx::proxy
