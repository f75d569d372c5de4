// Pure parts of core/consul: URL encoding, error status/body round trip, redaction, back-off
// arithmetic (seeded, so exact), cancel tokens, blocking wait defaults.

#include "meshx_test.h"

#include "consul/backoff.h"
#include "consul/cancel_token.h"
#include "consul/consul_client.h"
#include "consul/consul_error.h"
#include "consul/request.h"
#include "consul/url_encoding.h"

using meshx::Code;
using namespace meshx::consul;
using std::chrono::milliseconds;

class TestConsulBasics : public QObject {
    Q_OBJECT

  private slots:
    void pathSegmentsEncodeEverythingReserved() {
        QCOMPARE(encodePathSegment("ttl:web-host1"), std::string("ttl%3Aweb-host1"));
        QCOMPARE(encodePathSegment("a/b c"), std::string("a%2Fb%20c"));
        QCOMPARE(encodePathSegment("~x_y.z-1"), std::string("~x_y.z-1"));
        QCOMPARE(encodePathSegment("?#%&+="), std::string("%3F%23%25%26%2B%3D"));
        QCOMPARE(encodePathSegment("é"), std::string("%C3%A9"));
        QCOMPARE(encodeKeyPath("app/conf ig/x"), std::string("app/conf%20ig/x"));
    }

    void queryEncoding() {
        QCOMPARE(encodeQuery({{"filter", "Kind==\"connect-proxy\""}, {"stale", ""}}),
                 std::string("filter=Kind%3D%3D%22connect-proxy%22&stale"));
        QCOMPARE(encodeQuery({{"note", "a+b c"}}), std::string("note=a%2Bb%20c"));
        QCOMPARE(encodeQuery({}), std::string());
    }

    void httpErrorsCarryStatusAndBody() {
        auto e = makeHttpError("PUT /v1/agent/check/update/ttl%3Aw", 404,
                               "Unknown check ID \"ttl:w\": HTTP 500 inside\n");
        QCOMPARE(e.code, Code::NotFound);
        QCOMPARE(httpStatus(e).value_or(0), 404);
        QCOMPARE(std::string(httpBody(e)),
                 std::string("Unknown check ID \"ttl:w\": HTTP 500 inside"));
        QCOMPARE(codeForStatus(403), Code::PermissionDenied);
        QCOMPARE(codeForStatus(500), Code::HttpError);
        meshx::Error transport{Code::AgentUnreachable, "GET /v1/agent/self: Couldn't connect"};
        QVERIFY(!httpStatus(transport));
        QVERIFY(httpBody(transport).empty());
        auto big = makeHttpError("GET /v1/x", 500, std::string(10000, 'x'));
        QCOMPARE(httpBody(big).size(), kMaxErrorBody);
    }

    void redactionRemovesEveryOccurrence() {
        QCOMPARE(redact("tok abc tok", "tok"), std::string("<redacted> abc <redacted>"));
        QCOMPARE(redact("nothing here", ""), std::string("nothing here"));
        // A replacement that contains the secret must not loop.
        QCOMPARE(redact("redacted", "redacted"), std::string("<redacted>"));
    }

    void backoffDoublesToTheCapWithJitterAndResets() {
        Backoff b({milliseconds(100), milliseconds(1000)}, 42);
        const int nominal[] = {100, 200, 400, 800, 1000, 1000};
        for (int n : nominal) {
            QCOMPARE(b.nominal().count(), n);
            const auto d = b.next().count();
            QVERIFY2(d >= n / 2 && d <= n, qPrintable(QStringLiteral("%1 for %2").arg(d).arg(n)));
        }
        QCOMPARE(b.attempts(), 6);
        b.reset();
        QCOMPARE(b.nominal().count(), 100);
        // Jitter is real: same-seeded sequences repeat, different seeds differ.
        Backoff x({milliseconds(1000), milliseconds(1000)}, 1);
        Backoff y({milliseconds(1000), milliseconds(1000)}, 1);
        Backoff z({milliseconds(1000), milliseconds(1000)}, 2);
        bool differs = false;
        for (int i = 0; i < 8; ++i) {
            auto a = x.next();
            QCOMPARE(a, y.next());
            differs = differs || a != z.next();
        }
        QVERIFY(differs);
    }

    void cancelTokenRunsWakersAndUnregisters() {
        CancelToken token;
        CancelToken copy = token;
        int woken = 0;
        {
            auto reg = token.onCancel([&] { ++woken; });
            copy.cancel();
            QCOMPARE(woken, 1);
            QVERIFY(token.cancelled());
        }
        token.cancel();
        QCOMPARE(woken, 1);  // unregistered with `reg`
        auto late = token.onCancel([&] { ++woken; });
        QCOMPARE(woken, 2);  // already cancelled: runs at once
    }

    void tokenWithControlCharactersIsRejected() {
        meshx::MeshConfig config;
        config.token = "abc\r\nX-Injected: 1";
        auto client = meshx::consul::ConsulClient::create(config);
        QVERIFY(!client);
        QCOMPARE(client.error().code, Code::InvalidArgument);
        QVERIFY(client.error().message.find("abc") == std::string::npos);
    }

    void blockingWaitDefaultsAndCap() {
        Blocking b;
        QVERIFY(!b.blocks());
        QCOMPARE(b.effectiveWait(), milliseconds(std::chrono::minutes(5)));
        b.index = 3;
        b.wait = std::chrono::minutes(30);
        QVERIFY(b.blocks());
        QCOMPARE(b.effectiveWait(), milliseconds(std::chrono::minutes(10)));
        Blocking h;
        h.hash = "abc";
        QVERIFY(h.blocks());
    }
};

QTEST_GUILESS_MAIN(TestConsulBasics)
#include "test_consul_basics.moc"
