#pragma once

#include <QObject>
#include <QPointer>

#include <memory>

#include "agent/http_connection.h"
#include "net/address.h"

class QTcpServer;
class QLocalServer;

namespace meshx::agent {

// Listens on a TCP address (port 0 picks a free one) or a unix socket path and runs one
// HttpConnection per client. Agent thread only (create, use and destroy it there).
class HttpServer : public QObject {
    Q_OBJECT

  public:
    HttpServer(HttpRequestParser::Limits limits, HttpConnection::Handler handler,
               QObject* parent = nullptr);
    ~HttpServer() override;

    // Binds and listens; returns the bound address (the real port for port 0). A stale unix
    // socket file is replaced. Errors: IoError naming the address and the reason.
    Result<net::Address> listen(const net::Address& address);
    // Stops listening and ends every connection (parked requests are aborted).
    void close();
    size_t connectionCount() const;

  private:
    void onTcpConnection();
    void onLocalConnection();
    void adopt(QIODevice* device, std::string peer, std::function<void()> closer, QObject* socket);

    HttpRequestParser::Limits limits_;
    HttpConnection::Handler handler_;
    QTcpServer* tcp_ = nullptr;
    QLocalServer* local_ = nullptr;
    std::string socketPath_;
};

}  // namespace meshx::agent
