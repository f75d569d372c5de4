// HttpRequestParser (Boost.Beast underneath): what the agent's routes and connections rely on,
// fed byte by byte and in one piece, and the failures hostile input must get.

#include <cstring>
#include <string>
#include <vector>

#include "agent/http_request_parser.h"
#include "meshx_test.h"

using meshx::agent::HttpRequest;
using meshx::agent::HttpRequestParser;
using meshx::agent::HttpResponse;
using Kind = HttpRequestParser::Outcome::Kind;

namespace {

HttpRequestParser makeParser(uint64_t maxBody = 1 << 20, size_t maxHeader = 1024) {
    HttpRequestParser::Limits limits;
    limits.maxHeaderBytes = maxHeader;
    limits.bodyLimit = [maxBody](const HttpRequest& r) {
        return r.path.rfind("/v1/kv/", 0) == 0 ? 8 : maxBody;
    };
    limits.tooLarge = [](const HttpRequest& r, uint64_t n) {
        return HttpResponse::text(413, r.path + " too large " + std::to_string(n));
    };
    return HttpRequestParser(limits);
}

struct Parsed {
    std::vector<HttpRequest> requests;
    int continues = 0;
    int failure = 0;
    std::string failureBody;
};

// Feeds `bytes` in reads of `step` bytes (0: one read) and collects what comes out.
Parsed parse(const std::string& bytes, size_t step = 0, uint64_t maxBody = 1 << 20,
             size_t maxHeader = 1024) {
    auto p = makeParser(maxBody, maxHeader);
    Parsed out;
    const size_t n = step == 0 ? bytes.size() : step;
    for (size_t at = 0; at < bytes.size(); at += n) {
        const std::string piece = bytes.substr(at, n);
        p.append(piece.data(), piece.size());
        for (auto o = p.next(); o.kind != Kind::NeedMore; o = p.next()) {
            if (o.kind == Kind::Request) {
                out.requests.push_back(o.request);
            } else if (o.kind == Kind::ExpectContinue) {
                ++out.continues;
            } else {
                out.failure = o.failure.status;
                out.failureBody = o.failure.body;
                if (!o.failure.close) {
                    out.failure = -1;  // every failure must close the connection
                }
            }
        }
    }
    return out;
}

}  // namespace

class TestHttpRequestParser : public QObject {
    Q_OBJECT

  private slots:
    void routesGetWhatTheyRelyOn_data() {
        QTest::addColumn<int>("step");
        QTest::newRow("one read") << 0;
        QTest::newRow("byte by byte") << 1;
        QTest::newRow("7-byte reads") << 7;
    }
    void routesGetWhatTheyRelyOn() {
        QFETCH(int, step);
        const std::string bytes =
            "\r\nGET /v1/agent/service/ttl%3Aweb?filter=Kind+%3D%3D+%22x%22&token=t&tag=a&tag=b&"
            "stale HTTP/1.1\r\nHOST:  x \r\nX-Consul-Token: s3cret\r\n\r\n"
            "PUT http://127.0.0.1:8500/v1/kv/a?cas=3 HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"
            "PUT /v1/agent/check/register HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
            "c\r\n{\"Name\":\"c1\"\r\nC;ext=1\r\n,\"TTL\":\"5m\"}\r\n0\r\nX-Trailer: t\r\n\r\n"
            "GET /v1/status/leader HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
            "GET /v1/status/peers HTTP/1.0\r\n\r\n"
            "HEAD /v1/agent/self HTTP/1.1\r\nConnection: close\r\n\r\n";
        const Parsed got = parse(bytes, static_cast<size_t>(step));
        QCOMPARE(got.failure, 0);
        QCOMPARE(got.requests.size(), size_t{6});
        const HttpRequest& get = got.requests[0];
        QCOMPARE(get.method, std::string("GET"));
        QCOMPARE(get.path, std::string("/v1/agent/service/ttl:web"));
        QCOMPARE(get.queryOr("filter"), std::string("Kind == \"x\""));
        QCOMPARE(get.queryValues("tag"), (std::vector<std::string>{"a", "b"}));
        QVERIFY(get.hasQuery("stale"));
        QCOMPARE(*get.header("host"), std::string("x"));  // names lower-cased, values trimmed
        QCOMPARE(*get.header("x-consul-token"), std::string("s3cret"));
        QCOMPARE(get.minorVersion, 1);
        QVERIFY(get.keepAlive);
        QCOMPARE(got.requests[1].path, std::string("/v1/kv/a"));  // absolute-form
        QCOMPARE(got.requests[1].rawQuery, std::string("cas=3"));
        QCOMPARE(got.requests[1].body, std::string("abc"));
        QCOMPARE(got.requests[2].body, std::string("{\"Name\":\"c1\",\"TTL\":\"5m\"}"));
        QCOMPARE(got.requests[3].minorVersion, 0);
        QVERIFY(got.requests[3].keepAlive);
        QVERIFY(!got.requests[4].keepAlive);  // HTTP/1.0 without keep-alive
        QCOMPARE(got.requests[5].method, std::string("HEAD"));
        QVERIFY(!got.requests[5].keepAlive);
    }

    void expectContinueComesOnceBeforeTheBody() {
        auto p = makeParser();
        const std::string head =
            "PUT /v1/agent/service/register HTTP/1.1\r\nExpect: 100-continue\r\n"
            "Content-Length: 4\r\n\r\n";
        p.append(head.data(), head.size());
        QCOMPARE(p.next().kind, Kind::ExpectContinue);
        QCOMPARE(p.next().kind, Kind::NeedMore);
        QVERIFY(p.midRequest());
        p.append("{}{}", 4);
        auto o = p.next();
        QCOMPARE(o.kind, Kind::Request);
        QCOMPARE(o.request.body, std::string("{}{}"));
        QVERIFY(!p.midRequest());
    }

    void oversizedBodies() {
        // Declared over the cap: read and dropped, then 413 with the declared length.
        Parsed got =
            parse("PUT /v1/kv/a HTTP/1.1\r\nContent-Length: 20\r\n\r\n01234567890123456789", 1);
        QCOMPARE(got.failure, 413);
        QCOMPARE(got.failureBody, std::string("/v1/kv/a too large 20"));
        // With 100-continue: refused at once, before any body byte.
        got = parse(
            "PUT /v1/agent/x HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: "
            "99999999999\r\n\r\n",
            0, 1000);
        QCOMPARE(got.failure, 413);
        QCOMPARE(got.continues, 0);
        QCOMPARE(got.failureBody, std::string("/v1/agent/x too large 99999999999"));
        // Chunked: refused at the chunk header that would cross the cap, before its data.
        got = parse(
            "PUT /v1/kv/a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n"
            "ffffffffff\r\n",
            3);
        QCOMPARE(got.failure, 413);
        QCOMPARE(got.failureBody, std::string("/v1/kv/a too large 1099511627780"));
        // The cap is per route: the same body fits elsewhere.
        got = parse("PUT /v1/agent/x HTTP/1.1\r\nContent-Length: 20\r\n\r\n01234567890123456789");
        QCOMPARE(got.failure, 0);
        QCOMPARE(got.requests.at(0).body.size(), size_t{20});
    }

    void headLimitCountsTheWholeHead() {
        // The request line and fields together, however the reads fall: 431 just past the limit.
        const std::string line = "GET / HTTP/1.1\r\n";
        for (size_t step : {size_t{0}, size_t{1}, size_t{13}}) {
            const std::string fits =
                line + "X: " + std::string(100 - line.size() - 7, 'a') + "\r\n\r\n";
            QCOMPARE(fits.size(), size_t{100});
            QCOMPARE(parse(fits, step, 1 << 20, 100).requests.size(), size_t{1});
            const std::string over =
                line + "X: " + std::string(100 - line.size() - 6, 'a') + "\r\n\r\n";
            QCOMPARE(parse(over, step, 1 << 20, 100).failure, 431);
            // Never ending: 431 once the limit is passed.
            QCOMPARE(parse(line + "X: " + std::string(200, 'a'), step, 1 << 20, 100).failure, 431);
        }
    }

    void hostileHeadsFail_data() {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<int>("status");
        QTest::newRow("garbage") << QByteArray("\x16\x03\x01\x02\x00\x01\r\n\r\n", 10) << 400;
        QTest::newRow("no version") << QByteArray("NONSENSE\r\n\r\n") << 400;
        QTest::newRow("not http") << QByteArray("GET / FOO/1.1\r\n\r\n") << 400;
        QTest::newRow("http/2.0") << QByteArray("GET / HTTP/2.0\r\n\r\n") << 505;
        QTest::newRow("http/2") << QByteArray("GET / HTTP/2\r\n\r\n") << 505;
        QTest::newRow("bad escape") << QByteArray("GET /v1/%zz HTTP/1.1\r\n\r\n") << 400;
        QTest::newRow("relative") << QByteArray("GET v1/agent HTTP/1.1\r\n\r\n") << 400;
        QTest::newRow("space in target") << QByteArray("GET /a b HTTP/1.1\r\n\r\n") << 400;
        QTest::newRow("no colon") << QByteArray("GET / HTTP/1.1\r\nHost x\r\n\r\n") << 400;
        QTest::newRow("gzip only")
            << QByteArray("PUT / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n") << 501;
        QTest::newRow("length and chunked")
            << QByteArray(
                   "PUT / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n")
            << 400;
        QTest::newRow("two lengths")
            << QByteArray("PUT / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n")
            << 400;
        QTest::newRow("length not a number")
            << QByteArray("PUT / HTTP/1.1\r\nContent-Length: 3x\r\n\r\n") << 400;
        QTest::newRow("length overflow")
            << QByteArray("PUT / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n") << 400;
        QTest::newRow("bad chunk size")
            << QByteArray("PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n") << 400;
        QTest::newRow("chunk without CRLF")
            << QByteArray("PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nabc\r\n")
            << 400;
    }
    void hostileHeadsFail() {
        QFETCH(QByteArray, bytes);
        QFETCH(int, status);
        for (size_t step : {size_t{0}, size_t{1}}) {
            const Parsed got = parse(bytes.toStdString(), step);
            QCOMPARE(got.failure, status);
            QVERIFY(got.requests.empty());
        }
    }

    void nothingAfterAFailure() {
        auto p = makeParser();
        const std::string bytes = "BAD\r\n\r\nGET / HTTP/1.1\r\n\r\n";
        p.append(bytes.data(), bytes.size());
        QCOMPARE(p.next().kind, Kind::Fail);
        QCOMPARE(p.next().kind, Kind::NeedMore);
        p.append(bytes.data(), bytes.size());
        QCOMPARE(p.next().kind, Kind::NeedMore);
    }

    void finalChunkInSeparateReads() {
        // "0\r\n", "\r", "\n" as three reads once tripped an assertion in Boost 1.74's Beast.
        auto p = makeParser();
        const std::string head = "PUT /v1/agent/x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
        p.append(head.data(), head.size());
        QCOMPARE(p.next().kind, Kind::NeedMore);
        for (const char* piece : {"0\r\n", "\r"}) {
            p.append(piece, std::strlen(piece));
            QCOMPARE(p.next().kind, Kind::NeedMore);
        }
        p.append("\n", 1);
        auto o = p.next();
        QCOMPARE(o.kind, Kind::Request);
        QCOMPARE(o.request.body, std::string());
    }
};

QTEST_GUILESS_MAIN(TestHttpRequestParser)
#include "test_http_request_parser.moc"
