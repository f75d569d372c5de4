#include "proxy/inbound_session.h"

#include <sys/epoll.h>

#include <cerrno>

namespace meshx::proxy {

namespace {
constexpr uint32_t kConnEvents = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
}

InboundSession::InboundSession(ProxyContext& ctx, std::shared_ptr<const InboundSettings> settings,
                               Socket client, SocketAddress peer)
    : ctx_(ctx),
      settings_(std::move(settings)),
      peer_(peer),
      tls_(std::make_unique<TlsConnection>(ctx.tls, TlsConnection::Role::Server,
                                           std::move(client))) {}

InboundSession::~InboundSession() {
    cancelTimer();
}

void InboundSession::start() {
    ctx_.loop.watch(tls_->fd(), kConnEvents, &clientWatch_);
    // close() cancels the timer, so it never fires on a finished session.
    timer_ = ctx_.loop.runAfter(settings_->handshakeTimeout, [this] {
        timer_ = 0;
        ctx_.log.error("proxy.connect", "TLS handshake failed",
                       {{"service", settings_->service},
                        {"src", peer_.toString()},
                        {"error", "handshake and authorization timed out"}});
        ProxyStats::add(ctx_.stats.inboundHandshakeFailures);
        close();
    });
    continueHandshake();
}

void InboundSession::cancelTimer() {
    if (timer_ != 0) {
        ctx_.loop.cancelTimer(timer_);
        timer_ = 0;
    }
}

void InboundSession::onFdEvents(int side, uint32_t events) {
    if (state_ != State::Pumping) {
        earlyEvents_[side] |= events;
    }
    switch (state_) {
        case State::Handshaking:
            continueHandshake();
            return;
        case State::Authorizing:
            // Nothing is read before the decision; only notice a client that went away.
            if (events & (EPOLLERR | EPOLLHUP)) {
                close();
            }
            return;
        case State::Dialing:
            if (side == 1) {
                finishDial(events);
            } else if (events & (EPOLLERR | EPOLLHUP)) {
                close();
            }
            return;
        case State::Pumping:
            pump_->onEvents(side, events);
            checkPump();
            return;
        case State::Closed:
            return;
    }
}

void InboundSession::checkPump() {
    if (pump_->failed()) {
        ctx_.log.error("proxy.inbound", "connection failed", {{"error", pump_->error()}});
        close();
    } else if (pump_->finished()) {
        close();
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
        close();
        return;
    }

    std::string uri = tls_->peerUri();
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
        close();
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
        close();
        return;
    }
    if (!decision->authorized) {
        ProxyStats::add(ctx_.stats.inboundDenied);
        ctx_.log.error("proxy.connect", "authz call denied",
                       {{"service", settings_->service},
                        {"reason", decision->reason},
                        {"client_uri", tls_->peerUri()}});
        close();
        return;
    }
    cancelTimer();
    dialApp();
}

void InboundSession::dialApp() {
    state_ = State::Dialing;
    auto sock = Socket::connect(settings_->localApp);
    if (!sock) {
        ProxyStats::add(ctx_.stats.inboundDialFailures);
        ctx_.log.error("proxy.inbound", "failed to dial", {{"error", sock.error().message}});
        close();
        return;
    }
    appSocket_ = std::move(*sock);
    ctx_.loop.watch(appSocket_.fd(), kConnEvents, &appWatch_);
    timer_ = ctx_.loop.runAfter(settings_->localConnectTimeout, [this] {
        timer_ = 0;
        ProxyStats::add(ctx_.stats.inboundDialFailures);
        ctx_.log.error("proxy.inbound", "failed to dial",
                       {{"error", "dial tcp " + settings_->localApp.toString() + ": i/o timeout"}});
        close();
    });
}

void InboundSession::finishDial(uint32_t events) {
    if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
        return;
    }
    int err = appSocket_.pendingError();
    if (err == 0 && (events & (EPOLLERR | EPOLLHUP))) {
        err = ECONNREFUSED;
    }
    cancelTimer();
    if (err != 0) {
        ProxyStats::add(ctx_.stats.inboundDialFailures);
        ctx_.log.error("proxy.inbound", "failed to dial",
                       {{"error", "dial tcp " + settings_->localApp.toString() +
                                      ": connect: " + Socket::errnoText(err)}});
        close();
        return;
    }
    ProxyStats::add(ctx_.stats.inboundForwarded);
    app_ = std::make_unique<TcpTransport>(std::move(appSocket_));
    pump_ = std::make_unique<BytePump>(ctx_.loop, *tls_, *app_);
    pump_->noteEvents(0, earlyEvents_[0]);
    pump_->noteEvents(1, earlyEvents_[1]);
    state_ = State::Pumping;
    pump_->run();
    checkPump();
}

void InboundSession::abort() {
    close();
}

void InboundSession::close() {
    if (state_ == State::Closed) {
        return;
    }
    state_ = State::Closed;
    cancelTimer();
    if (pump_) {
        ProxyStats::add(ctx_.stats.bytesIn, pump_->bytesDelivered(0));
        ProxyStats::add(ctx_.stats.bytesOut, pump_->bytesDelivered(1));
    }
    // Sockets close when the session is destroyed, after this batch of events.
    ctx_.sessions.finish(id());
}

}  // namespace meshx::proxy
