#include "agent/http_server.h"

#include <QFile>
#include <QHostAddress>
#include <QLocalServer>
#include <QLocalSocket>
#include <QTcpServer>
#include <QTcpSocket>

namespace meshx::agent {

HttpServer::HttpServer(HttpRequestParser::Limits limits, HttpConnection::Handler handler,
                       QObject* parent)
    : QObject(parent), limits_(std::move(limits)), handler_(std::move(handler)) {}

HttpServer::~HttpServer() {
    close();
}

Result<net::Address> HttpServer::listen(const net::Address& address) {
    if (address.isUds()) {
        local_ = new QLocalServer(this);
        local_->setSocketOptions(QLocalServer::UserAccessOption);
        local_->setMaxPendingConnections(1024);
        const QString path = QString::fromStdString(address.path());
        QLocalServer::removeServer(path);
        if (!local_->listen(path)) {
            const std::string why = local_->errorString().toStdString();
            delete local_;
            local_ = nullptr;
            return makeError(Code::IoError, "cannot listen on " + address.toString() + ": " + why);
        }
        socketPath_ = address.path();
        connect(local_, &QLocalServer::newConnection, this, &HttpServer::onLocalConnection);
        return address;
    }
    QHostAddress host;
    const QString h = QString::fromStdString(address.host());
    if (h == QLatin1String("localhost")) {
        host = QHostAddress::LocalHost;
    } else if (!host.setAddress(h)) {
        return makeError(Code::InvalidArgument,
                         "cannot listen on " + address.toString() + ": not an IP address");
    }
    tcp_ = new QTcpServer(this);
    tcp_->setListenBacklogSize(1024);
    tcp_->setMaxPendingConnections(1024);
    if (!tcp_->listen(host, address.port())) {
        const std::string why = tcp_->errorString().toStdString();
        delete tcp_;
        tcp_ = nullptr;
        return makeError(Code::IoError, "cannot listen on " + address.toString() + ": " + why);
    }
    connect(tcp_, &QTcpServer::newConnection, this, &HttpServer::onTcpConnection);
    return net::Address::tcp(address.host() == "localhost" ? "127.0.0.1" : address.host(),
                             tcp_->serverPort());
}

void HttpServer::close() {
    if (tcp_ != nullptr) {
        tcp_->close();
        delete tcp_;
        tcp_ = nullptr;
    }
    if (local_ != nullptr) {
        local_->close();
        delete local_;
        local_ = nullptr;
        QFile::remove(QString::fromStdString(socketPath_));
    }
    for (HttpConnection* c : findChildren<HttpConnection*>(Qt::FindDirectChildrenOnly)) {
        c->onDisconnected();
        delete c;  // its socket is its child
    }
}

size_t HttpServer::connectionCount() const {
    return static_cast<size_t>(findChildren<HttpConnection*>(Qt::FindDirectChildrenOnly).size());
}

void HttpServer::onTcpConnection() {
    while (QTcpSocket* socket = tcp_->nextPendingConnection()) {
        const std::string peer = socket->peerAddress().toString().toStdString() + ":" +
                                 std::to_string(socket->peerPort());
        QPointer<QTcpSocket> s(socket);
        adopt(
            socket, peer,
            [s] {
                if (s) {
                    s->disconnectFromHost();
                }
            },
            socket);
        connect(socket, &QTcpSocket::disconnected, socket->parent(), [socket] {
            auto* conn = qobject_cast<HttpConnection*>(socket->parent());
            if (conn != nullptr) {
                conn->onDisconnected();
                conn->deleteLater();
            }
        });
    }
}

void HttpServer::onLocalConnection() {
    while (QLocalSocket* socket = local_->nextPendingConnection()) {
        QPointer<QLocalSocket> s(socket);
        adopt(
            socket, "@",
            [s] {
                if (s) {
                    s->disconnectFromServer();
                }
            },
            socket);
        connect(socket, &QLocalSocket::disconnected, socket->parent(), [socket] {
            auto* conn = qobject_cast<HttpConnection*>(socket->parent());
            if (conn != nullptr) {
                conn->onDisconnected();
                conn->deleteLater();
            }
        });
    }
}

void HttpServer::adopt(QIODevice* device, std::string peer, std::function<void()> closer,
                       QObject* socket) {
    auto* conn =
        new HttpConnection(device, std::move(peer), limits_, handler_, std::move(closer), this);
    socket->setParent(conn);
}

}  // namespace meshx::agent
