#pragma once

#include "proxy/socket.h"
#include "proxy/transport.h"

namespace meshx::proxy {

// Plain TCP: the side facing the local application and the local clients of upstreams.
class TcpTransport : public Transport {
  public:
    explicit TcpTransport(Socket socket) : socket_(std::move(socket)) {}

    // Transport
    IoResult read(char* dst, size_t len) override;
    IoResult write(const char* src, size_t len) override;
    IoResult shutdownWrite() override;
    std::string errorText() const override;
    int fd() const override { return socket_.fd(); }

  private:
    Socket socket_;
    int lastErrno_ = 0;
};

}  // namespace meshx::proxy
