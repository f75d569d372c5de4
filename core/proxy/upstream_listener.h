#pragma once

#include <memory>
#include <vector>

#include "proxy/acceptor.h"
#include "proxy/proxy_context.h"
#include "proxy/upstream_target.h"

namespace meshx::proxy {

// A plain TCP listener on LocalBindAddress:LocalBindPort for one upstream; each accepted
// connection becomes an OutboundSession towards a healthy instance of the destination.
class UpstreamListener {
  public:
    // Loop thread.
    UpstreamListener(ProxyContext& ctx, UpstreamConfig config);

    // Loop thread. Binds the configured address. Errors: IoError from bind/listen.
    Status listen();
    // Loop thread. Stops accepting; open sessions continue.
    void close() { acceptor_.close(); }
    // Loop thread. Replaces the healthy instances; connections waiting for the first list go.
    void setInstances(std::vector<UpstreamInstance> instances);

    const UpstreamConfig& config() const { return target_->config; }
    const SocketAddress& address() const { return acceptor_.address(); }

  private:
    void onAccept(Socket socket);

    ProxyContext& ctx_;
    std::shared_ptr<UpstreamTarget> target_;
    Acceptor acceptor_;
};

}  // namespace meshx::proxy
