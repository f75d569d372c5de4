#pragma once

#include <cstdint>
#include <memory>

#include <QObject>

#include "common/result.h"
#include "net/address.h"

class QLocalServer;
class QTcpServer;

namespace meshx::mesh {

// Listens on an upstream-only proxy service's local endpoint and closes every connection it
// accepts. Such a service has no application behind it, yet Consul's TCP check on the endpoint
// must pass for its sidecar (and so its upstreams) to be healthy. Nothing is ever read or sent.
//
// Lives on the thread that created it (the engine thread), which must run a Qt event loop.
class DummyListener : public QObject {
    Q_OBJECT

  public:
    // Starts listening on `address` (TCP, port 0 picks one; or a unix socket path, replacing a
    // stale socket file). InvalidArgument for a bad host, IoError when the address is taken
    // (isAddressInUse() of bind_retry.h is true for that error).
    // Engine thread.
    static Result<std::unique_ptr<DummyListener>> listen(const net::Address& address,
                                                         QObject* parent = nullptr);
    ~DummyListener() override;

    // The bound address (with the real port when 0 was asked). Engine thread.
    const net::Address& address() const { return address_; }
    // Connections accepted (and closed) so far. Engine thread.
    uint64_t accepted() const { return accepted_; }
    // Stops listening; idempotent, also done by the destructor. Engine thread.
    void close();

  signals:
    // One connection was accepted and closed.
    void connectionClosed();

  private:
    explicit DummyListener(QObject* parent);
    void onTcpConnection();
    void onLocalConnection();

    net::Address address_;
    QTcpServer* tcp_ = nullptr;
    QLocalServer* local_ = nullptr;
    uint64_t accepted_ = 0;
};

}  // namespace meshx::mesh
