#include "proxy/upstream_listener.h"

#include "proxy/outbound_session.h"

namespace meshx::proxy {

UpstreamListener::UpstreamListener(ProxyContext& ctx, UpstreamConfig config)
    : ctx_(ctx),
      target_(std::make_shared<UpstreamTarget>(std::move(config))),
      acceptor_(ctx.loop, ctx.log, target_->config.toString(),
                [this](Socket socket, const SocketAddress&) { onAccept(std::move(socket)); }) {}

Status UpstreamListener::listen() {
    auto address =
        SocketAddress::resolve(target_->config.localBindAddress, target_->config.localBindPort);
    if (!address) {
        return address.error();
    }
    return acceptor_.listen(*address, ctx_.reusePort);
}

void UpstreamListener::setInstances(std::vector<UpstreamInstance> instances) {
    target_->balancer.setInstances(std::move(instances));
    target_->known = true;
    auto waiting = std::move(target_->waiting);
    target_->waiting.clear();
    for (uint64_t id : waiting) {
        if (auto* s = static_cast<OutboundSession*>(ctx_.sessions.find(id))) {
            s->resume();
        }
    }
}

void UpstreamListener::onAccept(Socket socket) {
    ProxyStats::add(ctx_.stats.upstreamAccepted);
    auto* session = static_cast<OutboundSession*>(
        ctx_.sessions.add(std::make_unique<OutboundSession>(ctx_, target_, std::move(socket))));
    session->start();
}

}  // namespace meshx::proxy
