// How TlsConnection puts relayed bytes on the wire: records per send() and what happens when the
// socket is full. The two TLS ends talk through a forwarder in the test over SOCK_SEQPACKET
// socket pairs, where one recv() returns exactly one send() of the sender: packets counted are
// send() calls made, and each packet's TLS record headers are read as they are.
//
//   client TlsConnection ═(seqpacket)═ forwarder: count, parse, pass on ═(seqpacket)═ server

#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include "meshx_test.h"
#include "proxy/tls_connection.h"
#include "test_certificates.h"

using namespace meshx::proxy;
using meshx::proxy::testing::TestCa;
using Status = IoResult::Status;

namespace {

struct Pair {
    Socket near;   // given to a TlsConnection
    int far = -1;  // the forwarder's end
};

Pair makePair(int type) {
    int fds[2];
    if (::socketpair(AF_UNIX, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) != 0) {
        return {};
    }
    return {Socket(fds[0]), fds[1]};
}

// Moves every waiting packet (or stream chunk) from `from` to `to`; returns the sizes moved.
std::vector<std::string> forward(int from, int to) {
    std::vector<std::string> moved;
    std::vector<char> buf(256 * 1024);
    for (;;) {
        ssize_t n = ::recv(from, buf.data(), buf.size(), 0);
        if (n <= 0) {
            return moved;
        }
        std::string packet(buf.data(), static_cast<size_t>(n));
        size_t sent = 0;
        while (sent < packet.size()) {
            ssize_t w = ::send(to, packet.data() + sent, packet.size() - sent, MSG_NOSIGNAL);
            if (w < 0) {
                return moved;  // the test sizes its writes so this cannot fill up
            }
            sent += static_cast<size_t>(w);
        }
        moved.push_back(std::move(packet));
    }
}

// Lengths of the TLS records in `packet` (5-byte headers: type, version, length); empty if the
// packet does not hold whole records.
std::vector<size_t> recordLengths(const std::string& packet) {
    std::vector<size_t> lengths;
    size_t at = 0;
    while (at + 5 <= packet.size()) {
        const auto* p = reinterpret_cast<const unsigned char*>(packet.data() + at);
        const size_t len = (size_t(p[3]) << 8) | p[4];
        if (p[0] != 23 || at + 5 + len > packet.size()) {
            return {};
        }
        lengths.push_back(len);
        at += 5 + len;
    }
    return at == packet.size() ? lengths : std::vector<size_t>{};
}

// A connected client/server TlsConnection pair joined through the test's forwarder.
struct Link {
    std::unique_ptr<TlsConnection> client;
    std::unique_ptr<TlsConnection> server;
    int clientFar = -1;
    int serverFar = -1;
    ~Link() {
        client.reset();
        server.reset();
        if (clientFar >= 0) {
            ::close(clientFar);
        }
        if (serverFar >= 0) {
            ::close(serverFar);
        }
    }
    // Client to server; returns the packets moved.
    std::vector<std::string> up() { return forward(clientFar, serverFar); }
    void down() { forward(serverFar, clientFar); }

    bool handshake() {
        bool clientDone = false;
        bool serverDone = false;
        for (int i = 0; i < 100 && !(clientDone && serverDone); ++i) {
            if (!clientDone) {
                IoResult r = client->handshake();
                if (r.status == Status::Error) {
                    qWarning("client handshake: %s", client->errorText().c_str());
                    return false;
                }
                clientDone = r.status == Status::Ok;
            }
            up();
            if (!serverDone) {
                IoResult r = server->handshake();
                if (r.status == Status::Error) {
                    qWarning("server handshake: %s", server->errorText().c_str());
                    return false;
                }
                serverDone = r.status == Status::Ok;
            }
            down();
        }
        return clientDone && serverDone;
    }

    // Reads what the server has (bounded), appending to `out`.
    void drainServer(std::string& out) {
        char buf[64 * 1024];
        for (int i = 0; i < 1000; ++i) {
            IoResult r = server->read(buf, sizeof buf);
            if (r.status != Status::Ok) {
                return;
            }
            out.append(buf, r.bytes);
        }
    }
};

std::unique_ptr<Link> connectLink(int type) {
    static TestCa ca("11111111-2222-3333-4444-555555555555.consul");
    auto link = std::make_unique<Link>();
    Pair c = makePair(type);
    Pair s = makePair(type);
    if (!c.near.valid() || !s.near.valid()) {
        return nullptr;
    }
    link->clientFar = c.far;
    link->serverFar = s.far;
    link->client = std::make_unique<TlsConnection>(ca.context("web"), TlsConnection::Role::Client,
                                                   std::move(c.near));
    link->server = std::make_unique<TlsConnection>(ca.context("db"), TlsConnection::Role::Server,
                                                   std::move(s.near));
    return link->handshake() ? std::move(link) : nullptr;
}

std::string pattern(size_t size) {
    std::string data(size, '\0');
    for (size_t i = 0; i < size; ++i) {
        data[i] = static_cast<char>('a' + (i * 7 + i / 251) % 26);
    }
    return data;
}

}  // namespace

class TestTlsRecords : public QObject {
    Q_OBJECT

  private slots:
    // A 64-byte message relayed is one TLS record in one send(): no separate flush, no split.
    void smallMessageIsOneRecordInOneSend() {
        auto link = connectLink(SOCK_SEQPACKET);
        QVERIFY(link);
        const std::string msg = pattern(64);
        IoResult w = link->client->write(msg.data(), msg.size());
        QVERIFY(w.status == Status::Ok);
        QCOMPARE(w.bytes, msg.size());
        auto packets = link->up();
        QCOMPARE(packets.size(), size_t(1));
        // TLS 1.3: 64 bytes + the inner content type + a 16-byte tag.
        QVERIFY(recordLengths(packets[0]) == std::vector<size_t>{64 + 1 + 16});
        std::string got;
        link->drainServer(got);
        QVERIFY(got == msg);
    }

    // 64 KiB relayed in bulk is four full records gathered into one send(), where OpenSSL alone
    // makes one send() per record.
    void bulkWriteGathersRecordsIntoOneSend() {
        auto link = connectLink(SOCK_SEQPACKET);
        QVERIFY(link);
        const std::string data = pattern(64 * 1024);
        IoResult w = link->client->write(data.data(), data.size());
        QVERIFY(w.status == Status::Ok);
        QCOMPARE(w.bytes, data.size());
        auto packets = link->up();
        QCOMPARE(packets.size(), size_t(1));
        const size_t full = 16384 + 1 + 16;
        QVERIFY(recordLengths(packets[0]) == (std::vector<size_t>{full, full, full, full}));
        std::string got;
        link->drainServer(got);
        QVERIFY(got == data);
    }

    // A socket that is full: the records that did not fit wait in the BIO, the writer is told to
    // wait (WantWrite or a short count) and offers the held-back bytes again, which are taken
    // without being encrypted twice. Every byte arrives once, in order, and close_notify after
    // them. Over packets (all-or-nothing sends) and a stream (short sends).
    void fullSocketKeepsOrderAndOffersHeldBackBytesAgain_data() {
        QTest::addColumn<int>("type");
        QTest::newRow("seqpacket") << int(SOCK_SEQPACKET);
        QTest::newRow("stream") << int(SOCK_STREAM);
    }
    void fullSocketKeepsOrderAndOffersHeldBackBytesAgain() {
        QFETCH(int, type);
        auto link = connectLink(type);
        QVERIFY(link);
        const std::string data = pattern(3 * 1024 * 1024 + 123);
        std::string got;
        size_t offset = 0;
        int heldBack = 0;
        bool shut = false;
        // Like BytePump: write until told to wait, then let the peer read a little.
        for (int round = 0; round < 20000 && !(shut && got.size() == data.size()); ++round) {
            for (int i = 0; i < 64 && offset < data.size(); ++i) {
                const size_t len = std::min<size_t>(64 * 1024, data.size() - offset);
                IoResult r = link->client->write(data.data() + offset, len);
                QVERIFY2(r.status == Status::Ok || r.status == Status::WantWrite,
                         link->client->errorText().c_str());
                offset += r.bytes;
                if (r.status == Status::WantWrite || r.exhausted) {
                    ++heldBack;
                    break;
                }
            }
            if (offset == data.size() && !shut) {
                IoResult r = link->client->shutdownWrite();
                QVERIFY(r.status == Status::Ok || r.status == Status::WantWrite);
                shut = r.status == Status::Ok;
            }
            // One packet or chunk per round, so the client's socket stays full for a while.
            // Stream: 16 KiB at a time; packets: whole (a shorter buffer would cut one).
            std::vector<char> buf(type == SOCK_STREAM ? 16 * 1024 : 256 * 1024);
            ssize_t n = ::recv(link->clientFar, buf.data(), buf.size(), 0);
            if (n > 0) {
                QCOMPARE(::send(link->serverFar, buf.data(), size_t(n), MSG_NOSIGNAL), n);
            }
            link->drainServer(got);
        }
        QVERIFY2(heldBack > 0, "the socket never filled up: the test did not test anything");
        QCOMPARE(got.size(), data.size());
        QVERIFY(got == data);
        link->up();
        char one;
        QVERIFY(link->server->read(&one, 1).status == Status::Eof);  // close_notify came last
    }
};

QTEST_GUILESS_MAIN(TestTlsRecords)
#include "test_tls_records.moc"
