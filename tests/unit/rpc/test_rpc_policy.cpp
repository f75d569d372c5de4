// Pool and option policy: jitter bounds (±10% like T.rand_retry), option validation and defaults,
// error names and how error terms map to typed errors.

#include "rpc/error_term.h"
#include "rpc/rpc_options.h"
#include "rpc_test_print.h"

using namespace meshx::rpc;
using namespace std::chrono_literals;

class TestRpcPolicy : public QObject {
    Q_OBJECT

  private slots:
    void jitterStaysWithinTenPercent();
    void defaultsMatchTheOriginal();
    void finishValidates();
    void errorNamesAndTerms();
};

void TestRpcPolicy::jitterStaysWithinTenPercent() {
    bool below = false, above = false;
    for (int i = 0; i < 2000; ++i) {
        const auto j = jitter(1000ms);
        QVERIFY(j >= 900ms && j <= 1100ms);
        below = below || j < 1000ms;
        above = above || j > 1000ms;
    }
    QVERIFY(below && above);
    QCOMPARE(jitter(0ms), 0ms);
}

void TestRpcPolicy::defaultsMatchTheOriginal() {
    RpcClientOptions c;
    QCOMPARE(c.blkMaxSize, uint64_t(16384));
    QCOMPARE(c.size, size_t(5));
    QCOMPARE(c.maxOverflow, size_t(10));
    QVERIFY(c.strategy == RpcClientOptions::Strategy::Lifo);
    QCOMPARE(c.idleReconnect.value(), 600000ms);
    QCOMPARE(c.retryIdleError, 1000ms);
    QCOMPARE(c.retryHskFail, 5000ms);
    QCOMPARE(c.retryProxyFail, 1000ms);
    QCOMPARE(c.timeoutConnect, 5000ms);
    QCOMPARE(c.timeoutHsk, 5000ms);
    QCOMPARE(c.timeoutCks, 500ms);
    QCOMPARE(c.retries, 5);
    QCOMPARE(c.retrySleep, 100ms);
    QVERIFY(!c.callTimeout);
    QVERIFY(c.checksum == nullptr);
    QVERIFY(c.sharedKey.empty());
    QVERIFY(!c.quietOnHskError);
    QCOMPARE(c.execRetryOnError.size(), size_t(2));
    RpcServerOptions s;
    QVERIFY(!s.timeoutExecute);
    QVERIFY(!s.explainProtocolErrors);  // broken requests close the connection, as the original
}

void TestRpcPolicy::finishValidates() {
    RpcClientOptions o;
    o.id = "Demo.C";
    QVERIFY(o.finish().ok());
    QVERIFY(!o.connRef.empty() && o.connRef.size() <= 4);
    QCOMPARE(o.svcRef, std::string("Demo.C"));
    RpcClientOptions small;
    small.blkMaxSize = 199;
    QVERIFY(!small.finish().ok());
    RpcClientOptions longRef;
    longRef.nodeRef = std::string(256, 'n');
    QVERIFY(!longRef.finish().ok());
    RpcClientOptions badSer;
    badSer.serializer = "nope";
    QVERIFY(!badSer.finish().ok());
}

void TestRpcPolicy::errorNamesAndTerms() {
    QCOMPARE(toString(RpcErrc::Killed), std::string_view("killed"));
    QCOMPARE(toString(RpcErrc::TcpClosed), std::string_view("tcp_closed"));
    QVERIFY(rpcErrcFromName("invalid_cks") == RpcErrc::InvalidCks);
    QVERIFY(rpcErrcFromName("whatever") == RpcErrc::Remote);
    QVERIFY(isRetryableByDefault(RpcErrc::Closed) && !isRetryableByDefault(RpcErrc::Full));
    // As decoded from ETF: an atom is a string, {undef, [...]} an array, an exception a map.
    QVERIFY(error_term::toError(nlohmann::json("killed")).code == RpcErrc::Killed);
    QVERIFY(error_term::toError(nlohmann::json::array({"undef", nlohmann::json::array()})).code ==
            RpcErrc::Undef);
    const auto ex = error_term::toError({{"__exception__", true}, {"message", "kaboom"}});
    QVERIFY(ex.code == RpcErrc::Remote);
    QCOMPARE(ex.detail, std::string("kaboom"));
    // Under JSON the same atoms travel as {"$atom": ...}.
    QVERIFY(error_term::toError(error_term::atom("invalid_ref")).code == RpcErrc::InvalidRef);
    // An over-long term is replaced by error_too_long, as the original does.
    Payload p = error_term::encode(nlohmann::json(std::string(1000, 'x')), "json", 100);
    QCOMPARE(std::string(p.bytes.begin(), p.bytes.end()),
             std::string("{\"$atom\":\"error_too_long\"}"));
}

QTEST_APPLESS_MAIN(TestRpcPolicy)
#include "test_rpc_policy.moc"
