#include "telemetry/export/prometheus_endpoint.h"

#include <QHostAddress>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

namespace meshx::telemetry {

PrometheusEndpoint::PrometheusEndpoint(std::function<std::string()> render, QObject* parent)
    : QObject(parent), render_(std::move(render)) {}

PrometheusEndpoint::~PrometheusEndpoint() {
    stop();
}

Status PrometheusEndpoint::start(quint16 port) {
    stop();
    server_ = new QTcpServer(this);
    if (!server_->listen(QHostAddress::LocalHost, port)) {
        const QString why = server_->errorString();
        delete server_;
        server_ = nullptr;
        return Error{Code::IoError, "cannot listen on 127.0.0.1:" + std::to_string(port) + ": " +
                                        why.toStdString()};
    }
    connect(server_, &QTcpServer::newConnection, this, &PrometheusEndpoint::onConnection);
    return {};
}

void PrometheusEndpoint::stop() {
    if (server_ == nullptr)
        return;
    server_->close();
    server_->deleteLater();
    server_ = nullptr;
}

bool PrometheusEndpoint::running() const {
    return server_ != nullptr && server_->isListening();
}

quint16 PrometheusEndpoint::port() const {
    return running() ? server_->serverPort() : 0;
}

void PrometheusEndpoint::onConnection() {
    while (QTcpSocket* socket = server_->nextPendingConnection()) {
        connect(socket, &QTcpSocket::readyRead, this, [this, socket] { onReadable(socket); });
        connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        QTimer::singleShot(5000, socket, [socket] { socket->abort(); });
    }
}

void PrometheusEndpoint::onReadable(QTcpSocket* socket) {
    if (socket->property("answered").toBool())
        return;
    if (socket->bytesAvailable() > 8192) {
        socket->abort();
        return;
    }
    const QByteArray head = socket->peek(8192);
    if (!head.contains("\r\n\r\n") && !head.contains("\n\n"))
        return;
    socket->setProperty("answered", true);
    const QList<QByteArray> request = head.left(head.indexOf('\n')).trimmed().split(' ');
    QByteArray status, type, body;
    if (request.size() >= 2 && request[0] == "GET" &&
        (request[1] == "/metrics" || request[1].startsWith("/metrics?"))) {
        status = "200 OK";
        type = "text/plain; version=0.0.4; charset=utf-8";
        body = QByteArray::fromStdString(render_());
        ++scrapes_;
    } else {
        status = "404 Not Found";
        type = "text/plain; charset=utf-8";
        body = "only GET /metrics is served here\n";
    }
    socket->write("HTTP/1.0 " + status + "\r\nContent-Type: " + type + "\r\nContent-Length: " +
                  QByteArray::number(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
    socket->disconnectFromHost();
}

}  // namespace meshx::telemetry
