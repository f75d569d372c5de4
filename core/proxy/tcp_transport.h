#pragma once

#include "proxy/socket.h"
#include "proxy/transport.h"

namespace meshx::proxy {

class RingSocket;

// Plain TCP: the side facing the local application and the local clients of upstreams.
class TcpTransport : public Transport {
  public:
    explicit TcpTransport(Socket socket) : socket_(std::move(socket)) {}
    ~TcpTransport() override;
    TcpTransport(const TcpTransport&) = delete;
    TcpTransport& operator=(const TcpTransport&) = delete;

    // Transport
    IoResult read(char* dst, size_t len) override;
    IoResult write(const char* src, size_t len) override;
    IoResult shutdownWrite() override;
    std::string errorText() const override;
    int fd() const override { return socket_.fd(); }
    void attachRing(UringLoop& ring, IoHandler* handler) override;

  private:
    Socket socket_;
    int lastErrno_ = 0;
    RingSocket* ring_ = nullptr;  // after attachRing(); released (with the fd) by the destructor
};

}  // namespace meshx::proxy
