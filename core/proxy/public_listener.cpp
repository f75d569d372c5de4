#include "proxy/public_listener.h"

#include "proxy/inbound_session.h"

namespace meshx::proxy {

PublicListener::PublicListener(ProxyContext& ctx, std::shared_ptr<const InboundSettings> settings)
    : ctx_(ctx),
      settings_(std::move(settings)),
      acceptor_(
          ctx.loop, ctx.log, "public listener",
          [this](Socket socket, const SocketAddress& peer) { onAccept(std::move(socket), peer); }) {
}

void PublicListener::onAccept(Socket socket, const SocketAddress& peer) {
    ProxyStats::add(ctx_.stats.inboundAccepted);
    auto* session = static_cast<InboundSession*>(ctx_.sessions.add(
        std::make_unique<InboundSession>(ctx_, settings_, appHealth_, std::move(socket), peer)));
    session->start();
}

}  // namespace meshx::proxy
