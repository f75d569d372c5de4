#pragma once

#include <memory>

#include "proxy/acceptor.h"
#include "proxy/inbound_settings.h"
#include "proxy/local_app_health.h"
#include "proxy/proxy_context.h"

namespace meshx::proxy {

// The sidecar's mTLS front door: accepts connections on the service's address and port and
// runs an InboundSession for each.
class PublicListener {
  public:
    // Loop thread.
    PublicListener(ProxyContext& ctx, std::shared_ptr<const InboundSettings> settings);

    // Loop thread. Errors: IoError from bind/listen.
    Status listen(const SocketAddress& address) {
        return acceptor_.listen(address, ctx_.reusePort);
    }
    // Loop thread. Stops accepting; open sessions continue.
    void close() { acceptor_.close(); }
    // Loop thread. Connections accepted from now on use `settings`.
    // What was learned about the app is kept while its address stays the same.
    void setSettings(std::shared_ptr<const InboundSettings> settings) {
        if (!(settings->localApp == settings_->localApp)) {
            appHealth_ = std::make_shared<LocalAppHealth>();
        }
        settings_ = std::move(settings);
    }
    const InboundSettings& settings() const { return *settings_; }
    const SocketAddress& address() const { return acceptor_.address(); }

  private:
    void onAccept(Socket socket, const SocketAddress& peer);

    ProxyContext& ctx_;
    std::shared_ptr<const InboundSettings> settings_;
    std::shared_ptr<LocalAppHealth> appHealth_ = std::make_shared<LocalAppHealth>();
    Acceptor acceptor_;
};

}  // namespace meshx::proxy
