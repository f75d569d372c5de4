#include "meshx_test.h"

#include "net/address.h"

using meshx::Code;
using meshx::net::Address;

class TestAddress : public QObject {
    Q_OBJECT

  private slots:
    void parsesAndPrintsTcp() {
        auto a = Address::parse("tcp://127.0.0.1:1024");
        QVERIFY(a.ok());
        QVERIFY(a->isTcp());
        QCOMPARE(a->host(), std::string("127.0.0.1"));
        QCOMPARE(a->port(), uint16_t(1024));
        QCOMPARE(a->toString(), std::string("tcp://127.0.0.1:1024"));
        QCOMPARE(a->hostPort(), std::string("127.0.0.1:1024"));
    }

    void parsesBareHostPortAndIpv6() {
        auto a = Address::parse("localhost:8500");
        QVERIFY(a.ok());
        QCOMPARE(a->toString(), std::string("tcp://localhost:8500"));
        auto v6 = Address::parse("tcp://[::1]:65535");
        QVERIFY(v6.ok());
        QCOMPARE(v6->host(), std::string("::1"));
        QCOMPARE(v6->port(), uint16_t(65535));
        QCOMPARE(v6->toString(), std::string("tcp://[::1]:65535"));
    }

    void parsesAndPrintsUnix() {
        auto a = Address::parse("unix:///run/meshx/api.sock");
        QVERIFY(a.ok());
        QVERIFY(a->isUds());
        QCOMPARE(a->path(), std::string("/run/meshx/api.sock"));
        QCOMPARE(a->toString(), std::string("unix:///run/meshx/api.sock"));
        QCOMPARE(Address::uds("/tmp/x.sock"), *Address::parse("unix:///tmp/x.sock"));
    }

    void rejectsBadInput_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("reason");
        QTest::newRow("empty") << ""
                               << "empty";
        QTest::newRow("no port") << "tcp://127.0.0.1"
                                 << "missing port";
        QTest::newRow("port text") << "127.0.0.1:http"
                                   << "port is not a number";
        QTest::newRow("port range") << "127.0.0.1:70000"
                                    << "out of range";
        QTest::newRow("scheme") << "udp://127.0.0.1:53"
                                << "unknown scheme 'udp'";
        QTest::newRow("relative uds") << "unix://run/x.sock"
                                      << "must be absolute";
        QTest::newRow("bare v6") << "::1:80"
                                 << "brackets";
        QTest::newRow("empty host") << ":80"
                                    << "empty host";
        QTest::newRow("open bracket") << "[::1:80"
                                      << "missing ']'";
    }
    void rejectsBadInput() {
        QFETCH(QString, text);
        QFETCH(QString, reason);
        auto a = Address::parse(text.toStdString());
        QVERIFY(!a.ok());
        QCOMPARE(a.error().code, Code::InvalidArgument);
        const auto message = QString::fromStdString(a.error().message);
        QVERIFY2(message.contains(reason), qPrintable(message));
        QVERIFY2(message.contains(QStringLiteral("bad address")), qPrintable(message));
    }
};

QTEST_APPLESS_MAIN(TestAddress)
#include "test_address.moc"
