#pragma once

#include <QObject>

#include <functional>
#include <string>

#include "common/result.h"

class QTcpServer;
class QTcpSocket;

namespace meshx::ui {

// A minimal HTTP/1.0 endpoint serving Prometheus text exposition at GET /metrics on 127.0.0.1
// only (never another interface). Off until start(); the text comes from `render` at each
// scrape. Requests larger than 8 KiB or not done within 5 s are dropped.
// Thread: GUI thread.
class PrometheusEndpoint : public QObject {
    Q_OBJECT

  public:
    explicit PrometheusEndpoint(std::function<std::string()> render, QObject* parent = nullptr);
    ~PrometheusEndpoint() override;

    // Listens on 127.0.0.1:`port` (0: any free port). Errors: IoError (bind).
    Status start(quint16 port);
    void stop();
    bool running() const;
    // The bound port (0 when stopped).
    quint16 port() const;
    // Scrapes answered so far.
    int scrapes() const { return scrapes_; }

  private:
    void onConnection();
    void onReadable(QTcpSocket* socket);

    std::function<std::string()> render_;
    QTcpServer* server_ = nullptr;
    int scrapes_ = 0;
};

}  // namespace meshx::ui
