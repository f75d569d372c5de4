#include "mesh/dummy_listener.h"

#include <QHostAddress>
#include <QLocalServer>
#include <QLocalSocket>
#include <QTcpServer>
#include <QTcpSocket>

#include <cerrno>
#include <cstring>

namespace meshx::mesh {

DummyListener::DummyListener(QObject* parent) : QObject(parent) {}

DummyListener::~DummyListener() {
    close();
}

Result<std::unique_ptr<DummyListener>> DummyListener::listen(const net::Address& address,
                                                             QObject* parent) {
    std::unique_ptr<DummyListener> self(new DummyListener(parent));
    if (address.isTcp()) {
        QHostAddress host;
        if (!host.setAddress(QString::fromStdString(address.host()))) {
            return makeError(Code::InvalidArgument,
                             "dummy listener host '" + address.host() + "' is not an ip address");
        }
        self->tcp_ = new QTcpServer(self.get());
        if (!self->tcp_->listen(host, address.port())) {
            // The errno wording for "in use", which isAddressInUse() (bind_retry.h) recognises:
            // the engine then moves to the next port.
            const std::string why = self->tcp_->serverError() == QAbstractSocket::AddressInUseError
                                        ? std::strerror(EADDRINUSE)
                                        : self->tcp_->errorString().toStdString();
            return makeError(Code::IoError, "dummy listener on " + address.toString() + ": " + why);
        }
        self->address_ = net::Address::tcp(address.host(), self->tcp_->serverPort());
        connect(self->tcp_, &QTcpServer::newConnection, self.get(),
                &DummyListener::onTcpConnection);
    } else {
        self->local_ = new QLocalServer(self.get());
        self->local_->setSocketOptions(QLocalServer::WorldAccessOption);
        const QString path = QString::fromStdString(address.path());
        // A socket file left by a crashed run would make listen fail; nobody listens on it.
        QLocalServer::removeServer(path);
        if (!self->local_->listen(path)) {
            return makeError(Code::IoError, "dummy listener on " + address.toString() + ": " +
                                                self->local_->errorString().toStdString());
        }
        self->address_ = address;
        connect(self->local_, &QLocalServer::newConnection, self.get(),
                &DummyListener::onLocalConnection);
    }
    return self;
}

void DummyListener::close() {
    if (tcp_ != nullptr) {
        tcp_->close();
    }
    if (local_ != nullptr) {
        local_->close();  // also removes the socket file
    }
}

void DummyListener::onTcpConnection() {
    while (QTcpSocket* s = tcp_->nextPendingConnection()) {
        s->close();  // a health check only needs the handshake
        s->deleteLater();
        ++accepted_;
        emit connectionClosed();
    }
}

void DummyListener::onLocalConnection() {
    while (QLocalSocket* s = local_->nextPendingConnection()) {
        s->close();
        s->deleteLater();
        ++accepted_;
        emit connectionClosed();
    }
}

}  // namespace meshx::mesh
