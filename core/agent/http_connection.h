#pragma once

#include <QObject>
#include <QPointer>

#include <functional>

#include "agent/http_exchange.h"
#include "agent/http_request_parser.h"

class QIODevice;

namespace meshx::agent {

// One client connection (TCP or unix socket): parses requests, hands them to the handler one
// at a time (HTTP/1.1 keep-alive and pipelining: the next request waits for the previous
// answer, which may come much later for a parked blocking query), writes responses, closes on
// `Connection: close` and after protocol errors. Owns nothing but its parser; the socket is its
// parent-owned device. Agent thread only.
class HttpConnection : public QObject {
    Q_OBJECT

  public:
    using Handler = std::function<void(ExchangePtr)>;

    // `closer` ends the socket gracefully (disconnectFromHost / disconnectFromServer).
    HttpConnection(QIODevice* device, std::string peer, HttpRequestParser::Limits limits,
                   Handler handler, std::function<void()> closer, QObject* parent = nullptr);
    ~HttpConnection() override;

    // The socket is gone: abort the request in flight. Called by the server.
    void onDisconnected();
    // Ends the connection now (server shutdown), aborting a parked request.
    void shutdown();

  private:
    void onReadyRead();
    void pump();
    void write(const HttpResponse& response, bool keepAlive, bool head);

    QPointer<QIODevice> device_;
    std::string peer_;
    HttpRequestParser parser_;
    Handler handler_;
    std::function<void()> closer_;
    ExchangePtr inFlight_;
    bool pumping_ = false;
    bool closing_ = false;
};

}  // namespace meshx::agent
