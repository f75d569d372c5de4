// Upstream listeners end to end inside one process: client -> web's upstream listener -> mTLS
// -> db's public listener -> echo app, with real sockets and two real Proxy loops.

#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include <QDeadlineTimer>

#include "meshx_test.h"
#include "proxy/socket.h"
#include "proxy_test_support.h"
#include "test_certificates.h"
#include "test_sidecar.h"

using namespace meshx::proxy;
using namespace meshx::proxy::testing;

namespace {
const std::string kTrustDomain = "11111111-2222-3333-4444-555555555555.consul";
}  // namespace

class TestUpstreamListener : public QObject {
    Q_OBJECT

    std::unique_ptr<SidecarPair> pair_;

  private slots:
    void init() {
        pair_ = std::make_unique<SidecarPair>(kTrustDomain);
        QVERIFY(pair_->upstream != 0);
    }
    void cleanup() { pair_.reset(); }

    void bytesFlowThroughBothHops() {
        QCOMPARE(roundTrip(pair_->upstream, "ping"), std::string("ping"));
        QCOMPARE(pair_->app->accepted(), 1);
        auto requests = pair_->db->authz->requests();
        QCOMPARE(requests.size(), size_t(1));
        QCOMPARE(requests[0].clientCertUri, pair_->ca->serviceUri("web"));
        QVERIFY(pair_->web->logs.contains(
            "Starting listener: listener=127.0.0.1:" + std::to_string(pair_->upstream) +
            "->service:default/default/db"));
    }

    void halfCloseTravelsBothWays() {
        int fd = connectTcp(pair_->upstream);
        QVERIFY(fd >= 0);
        QVERIFY(sendAll(fd, "last words"));
        QCOMPARE(::shutdown(fd, SHUT_WR), 0);
        // The app only ends its side after it saw our end: an EOF here means our FIN crossed
        // both proxies to the app, and the app's came back the same way, after the echo.
        std::string echoed;
        bool eof = recvUntilEof(fd, Ms(5000), &echoed);
        QCOMPARE(echoed, std::string("last words"));
        QVERIFY2(eof, (pair_->web->logs.all() + pair_->db->logs.all()).c_str());
        ::close(fd);
        QTRY_COMPARE(pair_->app->closedConnections(), 1);
        QTRY_COMPARE(pair_->web->proxy->sessionCount(), size_t(0));
        QTRY_COMPARE(pair_->db->proxy->sessionCount(), size_t(0));
    }

    void bulkEchoKeepsEveryByteInOrder() {
        int fd = connectTcp(pair_->upstream);
        QVERIFY(fd >= 0);
        std::string payload(8 * 1024 * 1024, '\0');
        for (size_t i = 0; i < payload.size(); ++i) {
            payload[i] = static_cast<char>((i * 7 + i / 65536) & 0xff);
        }
        // Writer and reader run together: the echo path is full both ways (backpressure on every
        // hop) without deadlocking.
        std::thread writer([&] {
            sendAll(fd, payload);
            ::shutdown(fd, SHUT_WR);
        });
        std::string echoed;
        bool eof = recvUntilEof(fd, Ms(60000), &echoed);
        writer.join();
        ::close(fd);
        QVERIFY(eof);
        QCOMPARE(echoed.size(), payload.size());
        QVERIFY(echoed == payload);
    }

    void wrongServerIdentityIsRejected() {
        EchoServer cacheApp;
        TestSidecar cache(*pair_->ca, "cache");
        uint16_t cachePublic = cache.servePublic(cacheApp.port());
        // Discovery says "db" lives where a "cache" sidecar answers.
        pair_->discovery->set("db", {instanceAt("impostor", cachePublic, "db")});
        QTRY_VERIFY(roundTrip(pair_->upstream, "x").empty());
        QTRY_VERIFY2(pair_->web->logs.contains("peer certificate mismatch got " +
                                               pair_->ca->serviceUri("cache") + ", want " +
                                               pair_->ca->serviceUri("db")),
                     pair_->web->logs.all().c_str());
        QVERIFY(pair_->web->logs.contains("[ERROR] proxy.upstream: failed to dial"));
        QCOMPARE(cacheApp.accepted(), 0);  // no byte went to the impostor's app
    }

    void serverOfAnotherCaIsRejected() {
        TestCa stranger(kTrustDomain);
        EchoServer otherApp;
        TestSidecar other(stranger, "db");
        uint16_t otherPublic = other.servePublic(otherApp.port());
        pair_->discovery->set("db", {instanceAt("stranger", otherPublic, "db")});
        QTRY_VERIFY(roundTrip(pair_->upstream, "x").empty());
        QTRY_VERIFY(pair_->web->logs.contains("certificate verify failed"));
        QCOMPARE(otherApp.accepted(), 0);
    }

    void instancesTakeTurns() {
        EchoServer app2;
        TestSidecar db2(*pair_->ca, "db");
        uint16_t public2 = db2.servePublic(app2.port());
        pair_->discovery->set("db", {instanceAt("db-1-sidecar-proxy", pair_->dbPublic, "db"),
                                     instanceAt("db-2-sidecar-proxy", public2, "db")});
        // The update reaches the loop asynchronously: wait until the second instance served.
        QTRY_VERIFY(roundTrip(pair_->upstream, "x") == "x" && app2.accepted() > 0);
        int a = pair_->app->accepted();
        int b = app2.accepted();
        for (int i = 0; i < 6; ++i) {
            QCOMPARE(roundTrip(pair_->upstream, "y"), std::string("y"));
            // Strict alternation: after every pair both instances gained exactly one.
            if (i % 2 == 1) {
                QCOMPARE(pair_->app->accepted() - a, (i + 1) / 2);
                QCOMPARE(app2.accepted() - b, (i + 1) / 2);
            }
        }
    }

    void deadInstanceFailsOverAtOnce() {
        uint16_t dead = freePort();
        pair_->discovery->set("db", {instanceAt("dead-sidecar", dead, "db"),
                                     instanceAt("db-1-sidecar-proxy", pair_->dbPublic, "db")});
        QTRY_VERIFY(
            pair_->web->logs.contains("dial attempt failed") ||
            (roundTrip(pair_->upstream, "z") == "z" && pair_->web->logs.contains("dead-sidecar")));
        // Every connection succeeds although half of the turns point at the dead instance.
        for (int i = 0; i < 10; ++i) {
            QCOMPARE(roundTrip(pair_->upstream, "z"), std::string("z"));
        }
        QVERIFY(pair_->web->logs.contains("dial tcp 127.0.0.1:" + std::to_string(dead) +
                                          ": connect: connection refused"));
        QCOMPARE(pair_->web->proxy->stats().upstreamFailures.load(), uint64_t(0));
        // The ejection keeps later connections off the dead instance.
        QVERIFY(pair_->web->proxy->stats().upstreamAttemptFailures.load() <= 2);
        QVERIFY(pair_->web->logs.contains("instance ejected"));
        QVERIFY(pair_->web->logs.contains("instance=dead-sidecar"));
    }

    // db-2's sidecar is up but its service is not: the first connection that meets it ends at
    // the client (its bytes went to db-2 already), db-2 is ejected, and every later connection
    // works, including those after the ejection ended: db-2's sidecar then resets them before
    // the TLS handshake and web's sidecar moves on to db-1 unseen. The second ejection lasts
    // twice as long.
    void instanceWhoseServiceIsDownIsEjected() {
        TestSidecar db2(*pair_->ca, "db");
        uint16_t public2 = db2.servePublic(freePort());
        pair_->discovery->set("db", {instanceAt("db-1-sidecar-proxy", pair_->dbPublic, "db"),
                                     instanceAt("db-2-sidecar-proxy", public2, "db")});
        QDeadlineTimer deadline(20000);
        while (!pair_->web->logs.contains("instance=db-2-sidecar-proxy") &&
               !deadline.hasExpired()) {
            roundTrip(pair_->upstream, "x");
        }
        QVERIFY2(pair_->web->logs.contains("closed right after the handshake without a reply"),
                 pair_->web->logs.all().c_str());
        QVERIFY(pair_->web->logs.contains("ejection_ms=1000"));
        int calls = 0;
        while (!pair_->web->logs.contains("ejection_ms=2000") && !deadline.hasExpired()) {
            QCOMPARE(roundTrip(pair_->upstream, "y"), std::string("y"));
            ++calls;
        }
        QVERIFY2(pair_->web->logs.contains("ejection_ms=2000"), pair_->web->logs.all().c_str());
        QVERIFY(calls > 0);
        QCOMPARE(roundTrip(pair_->upstream, "z"), std::string("z"));
        // Failures while ejected are not counted again (one more only on a very slow machine).
        const uint64_t ejections = pair_->web->proxy->stats().upstreamEjections.load();
        QVERIFY(ejections == 2 || ejections == 3);
        // db-2 logged its dead service once, not once per connection.
        QCOMPARE(db2.logs.count("failed to dial"), 1);
        QVERIFY(db2.proxy->stats().inboundDialFailures.load() >= 2);
    }

    void noHealthyInstanceIsLoggedOncePerInterval() {
        pair_->discovery->set("db", {});
        QTRY_VERIFY(roundTrip(pair_->upstream, "x").empty() &&
                    pair_->web->logs.contains("no healthy instances found"));
        for (int i = 0; i < 20; ++i) {
            QVERIFY(roundTrip(pair_->upstream, "x").empty());
        }
        QCOMPARE(pair_->web->logs.count("no healthy instances found"), 1);
        QVERIFY(pair_->web->proxy->stats().upstreamFailures.load() >= 21);
    }

    void upstreamsAreAddedAndRemovedLive() {
        QCOMPARE(pair_->discovery->activeWatches(), 1);
        ProxyConfig c = pair_->web->config;
        UpstreamConfig second = c.upstreams[0];
        second.localBindPort = freePort();
        c.upstreams = {second};  // the first upstream goes, a new one comes
        pair_->web->apply(c);
        QVERIFY(pair_->web->waitListening(second.localBindPort));
        QTRY_VERIFY(refused(pair_->upstream));
        QCOMPARE(roundTrip(second.localBindPort, "moved"), std::string("moved"));
        QCOMPARE(pair_->discovery->activeWatches(), 1);
        QVERIFY(pair_->web->logs.contains("Stopping listener: listener=127.0.0.1:" +
                                          std::to_string(pair_->upstream)));
        c.upstreams.clear();
        pair_->web->apply(c);
        QTRY_VERIFY(refused(second.localBindPort));
        QTRY_COMPARE(pair_->discovery->activeWatches(), 0);
    }

    void busyPortIsRetriedUntilFree() {
        // Someone else holds the port the config asks for.
        auto blocker = Socket::listen(*SocketAddress::resolve("127.0.0.1", 0));
        QVERIFY(blocker.ok());
        uint16_t port = blocker->localAddress().port();
        ProxyConfig c = pair_->web->config;
        UpstreamConfig up = c.upstreams[0];
        up.localBindPort = port;
        c.upstreams.push_back(up);
        pair_->web->apply(c);
        QTRY_VERIFY(pair_->web->logs.contains("failed to start listener: listener=127.0.0.1:" +
                                              std::to_string(port)));
        blocker->reset();  // let go: the proxy takes the port on its next try
        QVERIFY(pair_->web->waitListening(port, Ms(10000)));
        QTRY_COMPARE(roundTrip(port, "free"), std::string("free"));
    }

    void openConnectionsSurviveListenerRemoval() {
        int fd = connectTcp(pair_->upstream);
        QVERIFY(fd >= 0);
        QVERIFY(sendAll(fd, "a"));
        QCOMPARE(recvN(fd, 1), std::string("a"));
        ProxyConfig c = pair_->web->config;
        c.upstreams.clear();
        pair_->web->apply(c);
        QTRY_VERIFY(refused(pair_->upstream));
        QVERIFY(sendAll(fd, "b"));
        QCOMPARE(recvN(fd, 1), std::string("b"));
        ::close(fd);
    }

    void rotatedCertificatesApplyToNewConnections() {
        int old = connectTcp(pair_->upstream);
        QVERIFY(old >= 0);
        QVERIFY(sendAll(old, "1"));
        QCOMPARE(recvN(old, 1), std::string("1"));

        // db moves to a new CA; web still trusts only the old root: new connections fail.
        TestCa next(kTrustDomain);
        pair_->db->proxy->setTls(*TlsContext::create(next.material("db", pair_->ca->rootPem())));
        QTRY_VERIFY(roundTrip(pair_->upstream, "x").empty());
        QTRY_VERIFY(pair_->web->logs.contains("certificate verify failed"));
        // The connection made before the rotation carries on.
        QVERIFY(sendAll(old, "2"));
        QCOMPARE(recvN(old, 1), std::string("2"));
        ::close(old);

        // web learns the new root (and gets a new leaf): traffic flows again.
        pair_->web->proxy->setTls(*TlsContext::create(next.material("web", pair_->ca->rootPem())));
        QTRY_COMPARE(roundTrip(pair_->upstream, "3"), std::string("3"));
        QVERIFY(pair_->web->logs.contains("TLS certificates updated"));
    }

    void shutdownLetsOpenConnectionsFinish() {
        int fd = connectTcp(pair_->upstream);
        QVERIFY(fd >= 0);
        QVERIFY(sendAll(fd, "a"));
        QCOMPARE(recvN(fd, 1), std::string("a"));
        auto started = std::chrono::steady_clock::now();
        std::thread stopper([&] { pair_->web->proxy->shutdown(Ms(10000)); });
        QTRY_VERIFY(refused(pair_->upstream));  // listeners closed at once
        QVERIFY(sendAll(fd, "b"));              // in-flight connection still works
        QCOMPARE(recvN(fd, 1), std::string("b"));
        ::close(fd);
        stopper.join();
        // It returned because the last connection ended, well before the grace ran out.
        QVERIFY(std::chrono::steady_clock::now() - started < std::chrono::seconds(8));
    }

    void shutdownGraceIsBounded() {
        int fd = connectTcp(pair_->upstream);
        QVERIFY(fd >= 0);
        QVERIFY(sendAll(fd, "a"));
        QCOMPARE(recvN(fd, 1), std::string("a"));
        auto started = std::chrono::steady_clock::now();
        pair_->web->proxy->shutdown(Ms(200));
        QVERIFY(std::chrono::steady_clock::now() - started < std::chrono::seconds(5));
        QVERIFY(waitClosed(fd));  // the idle connection was closed after the grace
        ::close(fd);
    }

    void tenThousandShortConnectionsLeakNothing() {
        // Warm up (first-use allocations, pooled buffers), then count descriptors.
        QCOMPARE(roundTrip(pair_->upstream, "w"), std::string("w"));
        QTRY_COMPARE(pair_->web->proxy->sessionCount(), size_t(0));
        QTRY_COMPARE(pair_->db->proxy->sessionCount(), size_t(0));
        const int before = openFdCount();

        constexpr int kThreads = 4;
        constexpr int kPerThread = 2500;
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(150);
        std::atomic<int> ok{0};
        std::atomic<int> failed{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back([&] {
                for (int i = 0; i < kPerThread && std::chrono::steady_clock::now() < deadline;
                     ++i) {
                    if (roundTrip(pair_->upstream, "p") == "p") {
                        ++ok;
                    } else {
                        ++failed;
                    }
                }
            });
        }
        for (auto& t : threads) {
            t.join();
        }
        QCOMPARE(failed.load(), 0);
        QCOMPARE(ok.load(), kThreads * kPerThread);
        QTRY_COMPARE_WITH_TIMEOUT(pair_->web->proxy->sessionCount(), size_t(0), 10000);
        QTRY_COMPARE_WITH_TIMEOUT(pair_->db->proxy->sessionCount(), size_t(0), 10000);
        QTRY_COMPARE(openFdCount(), before);
        QCOMPARE(pair_->app->accepted(), kThreads * kPerThread + 1);
    }
};

QTEST_GUILESS_MAIN(TestUpstreamListener)
#include "test_upstream_listener.moc"
