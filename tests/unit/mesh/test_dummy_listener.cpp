#include "meshx_test.h"

#include <QLocalSocket>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>

#include "mesh/bind_retry.h"
#include "mesh/dummy_listener.h"

using meshx::Code;
using meshx::mesh::DummyListener;
using meshx::net::Address;

class TestDummyListener : public QObject {
    Q_OBJECT

  private slots:
    void tcpAcceptsAndCloses() {
        auto l = DummyListener::listen(Address::tcp("127.0.0.1", 0));
        QVERIFY2(l.ok(), l.ok() ? "" : l.error().message.c_str());
        auto& listener = **l;
        QVERIFY(listener.address().port() != 0);  // the real port is read back
        for (int i = 1; i <= 3; ++i) {
            QTcpSocket s;
            QSignalSpy closed(&s, &QTcpSocket::disconnected);
            s.connectToHost(QHostAddress::LocalHost, listener.address().port());
            QVERIFY(s.waitForConnected(5000));  // the health check's view: the port answers
            QVERIFY(closed.wait(5000));         // ...and we hang up on it
            QCOMPARE(listener.accepted(), uint64_t(i));
        }
    }

    void tcpAddressInUseIsIoError() {
        QTcpServer taken;
        QVERIFY(taken.listen(QHostAddress::LocalHost, 0));
        auto l = DummyListener::listen(Address::tcp("127.0.0.1", taken.serverPort()));
        QVERIFY(!l.ok());
        QCOMPARE(l.error().code, Code::IoError);
        QVERIFY(l.error().message.find(std::to_string(taken.serverPort())) != std::string::npos);
        // The engine recognises it and moves to the next port.
        QVERIFY(meshx::mesh::isAddressInUse(l.error()));
    }

    void otherFailuresAreNotAddressInUse() {
        auto l = DummyListener::listen(Address::tcp("not-an-ip", 0));
        QVERIFY(!l.ok());
        QVERIFY(!meshx::mesh::isAddressInUse(l.error()));
        QVERIFY(!meshx::mesh::isAddressInUse(
            meshx::makeError(Code::IoError, "bind tcp://127.0.0.1:1: Permission denied")));
        QVERIFY(meshx::mesh::isAddressInUse(
            meshx::makeError(Code::IoError, "bind tcp://127.0.0.1:1: Address already in use")));
    }

    void badHostIsInvalidArgument() {
        auto l = DummyListener::listen(Address::tcp("not-an-ip", 0));
        QVERIFY(!l.ok());
        QCOMPARE(l.error().code, Code::InvalidArgument);
    }

    void closeStopsListening() {
        auto l = DummyListener::listen(Address::tcp("127.0.0.1", 0));
        QVERIFY(l.ok());
        const uint16_t port = (*l)->address().port();
        (*l)->close();
        QTcpSocket s;
        s.connectToHost(QHostAddress::LocalHost, port);
        QVERIFY(!s.waitForConnected(2000));
    }

    void unixSocketAcceptsAndCloses() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const std::string path = dir.filePath("dummy.sock").toStdString();
        auto l = DummyListener::listen(Address::uds(path));
        QVERIFY2(l.ok(), l.ok() ? "" : l.error().message.c_str());
        QLocalSocket s;
        QSignalSpy closed(&s, &QLocalSocket::disconnected);
        s.connectToServer(QString::fromStdString(path));
        QVERIFY(s.waitForConnected(5000));
        QVERIFY(closed.wait(5000));
        QCOMPARE((*l)->accepted(), uint64_t(1));
        l->reset();
        QVERIFY(!QFile::exists(QString::fromStdString(path)));  // socket file cleaned up
    }
};

QTEST_GUILESS_MAIN(TestDummyListener)
#include "test_dummy_listener.moc"
