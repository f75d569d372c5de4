#include "proxy/outbound_session.h"

#include <sys/epoll.h>

#include <cerrno>

namespace meshx::proxy {

namespace {
constexpr uint32_t kConnEvents = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
constexpr const char* kLogger = "proxy.upstream";
}  // namespace

OutboundSession::OutboundSession(ProxyContext& ctx, std::shared_ptr<UpstreamTarget> target,
                                 Socket client)
    : ProxiedSession(ctx, kLogger, "upstream", target->config.toString()),
      target_(std::move(target)),
      tlsContext_(ctx.tls),
      clientSocket_(std::move(client)) {
    flow_.direction = "outbound";
    flow_.service = target_->config.destinationName;
    setTurnTiming(target_->config.turnTiming);
}

void OutboundSession::start() {
    ctx_.loop.watch(clientSocket_.fd(), kConnEvents, &clientWatch_);
    if (!target_->known) {
        target_->waiting.push_back(id());
        armConnectTimer();
        return;
    }
    tryNext();
}

void OutboundSession::resume() {
    if (state_ == State::Waiting) {
        cancelTimer();
        tryNext();
    }
}

void OutboundSession::armConnectTimer() {
    armTimer(target_->config.connectTimeout, [this] {
        if (state_ == State::Waiting) {
            lastError_ = "no healthy instances found";
            tryNext();
        } else {
            attemptFailed("dial tcp " + instance_.address.toString() + ": i/o timeout");
        }
    });
}

void OutboundSession::onFdEvents(int side, uint32_t events) {
    if (closed()) {
        return;
    }
    if (state_ == State::Pumping) {
        pumpEvents(side, events);
        return;
    }
    noteEarlyEvents(side, events);
    if (side == 0) {
        // Not read before an upstream is ready; only notice a client that went away.
        if (events & (EPOLLERR | EPOLLHUP)) {
            close();
        }
        return;
    }
    if (state_ == State::Connecting) {
        onConnectEvent(events);
    } else if (state_ == State::Handshaking) {
        continueHandshake();
    }
}

void OutboundSession::tryNext() {
    const UpstreamInstance* next = target_->balancer.pick(tried_, ctx_.loop.now());
    if (next == nullptr) {
        ProxyStats::add(ctx_.stats.upstreamFailures);
        if (tried_.empty()) {
            lastError_ = "no healthy instances found";
        }
        uint64_t suppressed = 0;
        if (target_->noInstancesLog.allow(ctx_.loop.now(), &suppressed)) {
            std::string upstream = target_->config.toString();
            if (suppressed == 0) {
                ctx_.log.error(kLogger, "failed to dial",
                               {{"error", lastError_}, {"upstream", upstream}});
            } else {
                std::string count = std::to_string(suppressed);
                ctx_.log.error(kLogger, "failed to dial",
                               {{"error", lastError_},
                                {"upstream", upstream},
                                {"suppressed_since_last", count}});
            }
        }
        refuse(lastError_);
        return;
    }
    instance_ = *next;
    tried_.push_back(instance_.id);
    flow_.instance = instance_.id;
    flow_.dst = instance_.address.toString();
    flow_.attempts = static_cast<unsigned>(tried_.size());
    auto sock = Socket::connect(instance_.address);
    if (!sock) {
        attemptFailed(sock.error().message);
        return;
    }
    dialSocket_ = std::move(*sock);
    upstreamWatch_ = std::make_shared<FdWatch<OutboundSession>>(this, 1);
    ctx_.loop.watch(dialSocket_.fd(), kConnEvents, upstreamWatch_.get());
    state_ = State::Connecting;
    armConnectTimer();
}

void OutboundSession::onConnectEvent(uint32_t events) {
    if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
        return;
    }
    int err = dialSocket_.pendingError();
    if (err == 0 && (events & (EPOLLERR | EPOLLHUP))) {
        err = ECONNREFUSED;
    }
    if (err != 0) {
        attemptFailed("dial tcp " + instance_.address.toString() +
                      ": connect: " + Socket::errnoText(err));
        return;
    }
    tls_ = std::make_unique<TlsConnection>(tlsContext_, TlsConnection::Role::Client,
                                           std::move(dialSocket_));
    ServiceIdentity want = instance_.identity;
    want.trustDomain = tlsContext_->trustDomain().empty() ? tlsContext_->identity().trustDomain
                                                          : tlsContext_->trustDomain();
    if (want.datacenter.empty()) {
        // Discovery could not say (no node datacenter, none configured): our own.
        want.datacenter = tlsContext_->identity().datacenter;
    }
    tls_->expectPeer(want);
    state_ = State::Handshaking;
    continueHandshake();
}

void OutboundSession::continueHandshake() {
    IoResult r = tls_->handshake();
    if (r.status == IoResult::Status::WantRead || r.status == IoResult::Status::WantWrite) {
        return;
    }
    if (r.status != IoResult::Status::Ok) {
        attemptFailed(tls_->errorText());
        return;
    }
    startPumping();
}

void OutboundSession::retireAttempt() {
    if (upstreamWatch_) {
        upstreamWatch_->detach();
        ctx_.loop.destroyLater(std::move(upstreamWatch_));
    }
    tls_.reset();
    dialSocket_.reset();
    forgetEarlyEvents(1);
}

void OutboundSession::attemptFailed(const std::string& error) {
    cancelTimer();
    retireAttempt();
    ProxyStats::add(ctx_.stats.upstreamAttemptFailures);
    lastError_ = error;
    ctx_.log.warn(
        kLogger, "dial attempt failed, trying the next instance",
        {{"upstream", target_->config.toString()}, {"instance", instance_.id}, {"error", error}});
    instanceFailed(error);
    tryNext();
}

void OutboundSession::instanceFailed(const std::string& error) {
    auto ejection = target_->balancer.reportFailure(instance_.id, ctx_.loop.now());
    if (!ejection) {
        return;  // ejected already: logged when that happened
    }
    ProxyStats::add(ctx_.stats.upstreamEjections);
    ctx_.log.warn(kLogger, "instance ejected",
                  {{"upstream", target_->config.toString()},
                   {"instance", instance_.id},
                   {"address", instance_.address.toString()},
                   {"ejection_ms", std::to_string(ejection->duration.count())},
                   {"consecutive", std::to_string(ejection->consecutive)},
                   {"error", error}});
}

void OutboundSession::startPumping() {
    ProxyStats::add(ctx_.stats.upstreamForwarded);
    flow_.peerId = tls_->peerUri();
    client_ = std::make_unique<TcpTransport>(std::move(clientSocket_));
    state_ = State::Pumping;
    pumpStarted_ = ctx_.loop.now();
    startPump(*client_, *tls_, &clientWatch_, upstreamWatch_.get());
}

void OutboundSession::onPumpProgress(const BytePump& pump) {
    if (judged_) {
        return;
    }
    const bool clientGone = pump.ended(0) || pump.failedSide() == 0;
    const bool upstreamGone = pump.ended(1) || pump.failedSide() == 1;
    if (pump.bytesDelivered(1) > 0) {
        judged_ = true;
        if (target_->balancer.reportSuccess(instance_.id)) {
            ctx_.log.info(kLogger, "instance back in rotation",
                          {{"upstream", target_->config.toString()}, {"instance", instance_.id}});
        }
    } else if (upstreamGone && !clientGone) {
        judged_ = true;
        // Within the connect timeout it is the set-up that failed, not a conversation that
        // ended: the instance accepted but could not serve (typically its service is down).
        if (ctx_.loop.now() - pumpStarted_ < target_->config.connectTimeout) {
            ProxyStats::add(ctx_.stats.upstreamAttemptFailures);
            std::string why = pump.failed() ? pump.error() : std::string("upstream end of stream");
            instanceFailed("closed right after the handshake without a reply: " + why);
        }
    } else if (clientGone) {
        judged_ = true;  // the client left first: nothing learned about the instance
    }
}

}  // namespace meshx::proxy
