// RpcServer and RpcClientPool end to end over real sockets (127.0.0.1 with port 0, and a unix
// socket in a temp dir): calls, multi-block payloads with and without checksums, handshake
// refusals, server errors, timeouts, casts, pool limits, reconnects, and bad frames from a
// hand-driven peer. Erlang/Elixir MeshxRpc is not installed here, so the captured frames (see the
// wire golden tests) are the ground truth for compatibility; these tests check our two halves.

#include <QTemporaryDir>

#include <atomic>
#include <random>
#include <thread>

#include "meshx_test.h"
#include "raw_peer.h"
#include "rpc/rpc_client_pool.h"
#include "rpc/rpc_server.h"
#include "rpc/serialize/serializer_registry.h"
#include "rpc/wire/block_codec.h"
#include "rpc/wire/crc32_checksum.h"
#include "rpc/wire/message_encoder.h"

using namespace meshx::rpc;
using namespace std::chrono_literals;
using meshx::net::Address;

#define QCOMPARE_RPC(actual, expected)                              \
    QCOMPARE(QString::fromStdString(std::string(toString(actual))), \
             QString::fromStdString(std::string(toString(expected))))

namespace {

Payload bytesOf(size_t n, uint32_t seed = 1) {
    Payload p;
    p.bytes.resize(n);
    std::mt19937 rng(seed);
    for (auto& b : p.bytes)
        b = static_cast<uint8_t>(rng());
    return p;
}

RpcServerOptions serverOptions(const Address& address) {
    RpcServerOptions o;
    o.address = address;
    o.id = "Test.Server";
    return o;
}

RpcClientOptions clientOptions(const Address& address) {
    RpcClientOptions o;
    o.address = address;
    o.id = "Test.Client";
    o.size = 2;
    o.retrySleep = 20ms;
    return o;
}

// A server with echo, slow (sleeps the ms given as text), count (increments a counter).
struct TestServer {
    std::atomic<int> executed{0};
    std::unique_ptr<RpcServer> server;

    explicit TestServer(RpcServerOptions options) {
        server = std::make_unique<RpcServer>(std::move(options));
        (void)server->add("echo", [this](Payload&& p) -> RpcResult<Payload> {
            ++executed;
            return std::move(p);
        });
        (void)server->add("slow", [](Payload&& p) -> RpcResult<Payload> {
            const int ms = std::stoi(std::string(p.bytes.begin(), p.bytes.end()));
            std::this_thread::sleep_for(std::chrono::milliseconds(ms));
            return std::move(p);
        });
        (void)server->add("fail", [](Payload&&) -> RpcResult<Payload> {
            return RpcError{RpcErrc::Remote, "it broke", nullptr, {}};
        });
    }
    bool start() { return server->start().ok(); }
    Address address() const { return server->address(); }
};

}  // namespace

class TestRpcEndToEnd : public QObject {
    Q_OBJECT

  private slots:
    void echoOverTcpAndUnixSocket();
    void multiBlockWithAndWithoutChecksums();
    void jsonValuesThroughEtfAndJson();
    void sharedKeyAcceptedAndMismatchRefused();
    void mismatchedBlockSizeRefused();
    void unknownFunctionIsUndefAndServerKeepsServing();
    void handlerErrorReachesCaller();
    void timeoutExecuteKills();
    void castIsAcknowledgedAndRuns();
    void poolFullWhenNoWorker();
    void overflowWorkersAreUsedThenDismissed();
    void callersShareWorkersWithoutTheLock_data();
    void callersShareWorkersWithoutTheLock();
    void stopEndsCallsInFlight();
    void callTimeoutDropsConnection();
    void retryAfterServerRestart();
    void quietHandshakeErrorJustCloses();
    void badFramesCloseWithOriginalErrors();
    void truncatedFrameClosesWithoutExecuting();
};

void TestRpcEndToEnd::echoOverTcpAndUnixSocket() {
    QTemporaryDir dir;
    for (const Address& addr :
         {Address::tcp("127.0.0.1", 0), Address::uds(dir.filePath("rpc.sock").toStdString())}) {
        TestServer s(serverOptions(addr));
        QVERIFY(s.start());
        RpcClientPool pool(clientOptions(s.address()));
        QVERIFY(pool.start().ok());
        for (size_t n : {size_t(0), size_t(1), size_t(64), size_t(5000)}) {
            Payload arg = bytesOf(n, static_cast<uint32_t>(n));
            auto r = pool.call("echo", arg);
            QVERIFY2(r.ok(), r.ok() ? "" : r.error().toString().c_str());
            QVERIFY(r->bytes == arg.bytes);
            QCOMPARE(r->serFlag, uint8_t(0));
        }
        QCOMPARE(s.executed.load(), 4);
    }
}

void TestRpcEndToEnd::multiBlockWithAndWithoutChecksums() {
    for (bool cks : {false, true}) {
        auto so = serverOptions(Address::tcp("127.0.0.1", 0));
        so.blkMaxSize = 1000;
        if (cks)
            so.checksum = &wire::Crc32Checksum::instance();
        TestServer s(so);
        QVERIFY(s.start());
        auto co = clientOptions(s.address());
        co.blkMaxSize = 1000;
        co.checksum = so.checksum;
        RpcClientPool pool(co);
        QVERIFY(pool.start().ok());
        for (size_t n : {size_t(999), size_t(40000), size_t(1 << 20)}) {
            Payload arg = bytesOf(n, 7);
            auto r = pool.call("echo", arg);
            QVERIFY2(r.ok(), r.ok() ? "" : r.error().toString().c_str());
            QVERIFY(r->bytes == arg.bytes);
        }
    }
    // Checksums on one side only: the call fails with invalid_cks and nothing runs twice.
    auto so = serverOptions(Address::tcp("127.0.0.1", 0));
    so.checksum = &wire::Crc32Checksum::instance();
    TestServer s(so);
    QVERIFY(s.start());
    RpcClientPool pool(clientOptions(s.address()));
    QVERIFY(pool.start().ok());
    auto r = pool.call("echo", bytesOf(10));
    QVERIFY(!r.ok());
    QCOMPARE(QString::fromStdString(std::string(toString(r.error().code))), QString("invalid_cks"));
    QCOMPARE(s.executed.load(), 0);
}

void TestRpcEndToEnd::jsonValuesThroughEtfAndJson() {
    for (const char* ser : {"default", "json", "msgpack", "cbor"}) {
        auto so = serverOptions(Address::tcp("127.0.0.1", 0));
        so.serializer = ser;
        RpcServer server(so);
        QVERIFY(
            server
                .addJson(
                    "sum",
                    [](const nlohmann::json& arg) -> RpcResult<nlohmann::json> {
                        return nlohmann::json{{"sum", arg["a"].get<int>() + arg["b"].get<int>()}};
                    })
                .ok());
        QVERIFY(server.start().ok());
        auto co = clientOptions(server.address());
        co.serializer = ser;
        RpcClientPool pool(co);
        QVERIFY(pool.start().ok());
        auto r = pool.callJson("sum", {{"a", 2}, {"b", 40}});
        QVERIFY2(r.ok(), r.ok() ? ser : r.error().toString().c_str());
        QCOMPARE((*r)["sum"].get<int>(), 42);
    }
}

void TestRpcEndToEnd::sharedKeyAcceptedAndMismatchRefused() {
    auto so = serverOptions(Address::tcp("127.0.0.1", 0));
    so.sharedKey = "api_ver_01";
    TestServer s(so);
    QVERIFY(s.start());
    auto co = clientOptions(s.address());
    co.sharedKey = "api_ver_01";
    RpcClientPool good(co);
    QVERIFY(good.start().ok());
    QVERIFY(good.call("echo", bytesOf(3)).ok());

    co.sharedKey = "api_ver_02";
    RpcClientPool bad(co);
    QVERIFY(bad.start().ok());
    auto r = bad.call("echo", bytesOf(3));
    QVERIFY(!r.ok());
    QCOMPARE_RPC(r.error().code, RpcErrc::InvalidDigest);
    // The key itself never shows up in what the caller sees.
    QVERIFY(r.error().toString().find("api_ver") == std::string::npos);
    QCOMPARE(s.executed.load(), 1);
}

void TestRpcEndToEnd::mismatchedBlockSizeRefused() {
    TestServer s(serverOptions(Address::tcp("127.0.0.1", 0)));
    QVERIFY(s.start());
    auto co = clientOptions(s.address());
    co.blkMaxSize = 8192;
    RpcClientPool pool(co);
    QVERIFY(pool.start().ok());
    auto r = pool.call("echo", bytesOf(3));
    QVERIFY(!r.ok());
    QCOMPARE_RPC(r.error().code, RpcErrc::InvalidHskParams);
    QCOMPARE(s.executed.load(), 0);
}

void TestRpcEndToEnd::unknownFunctionIsUndefAndServerKeepsServing() {
    TestServer s(serverOptions(Address::tcp("127.0.0.1", 0)));
    QVERIFY(s.start());
    RpcClientPool pool(clientOptions(s.address()));
    QVERIFY(pool.start().ok());
    Payload hello;
    hello.bytes = {'h', 'e', 'l', 'l', 'o'};
    auto r = pool.call("no_such_fun", hello);
    QVERIFY(!r.ok());
    QCOMPARE_RPC(r.error().code, RpcErrc::Undef);
#ifdef MESHX_RPC_HAVE_ETF
    // The original's term (capture call_undef.txt): {undef, [{Mod, Fun, [Arg], []} | ...]}, the
    // argument as the list of one binary; ETF atoms decode to strings.
    QCOMPARE(QString::fromStdString(r.error().remote.dump()),
             QString(R"(["undef",[["Test.Server","no_such_fun",["hello"],[]]]])"));
#endif
    // The error closed that connection; the pool reconnects and the next call works.
    auto ok = pool.call("echo", bytesOf(5));
    QVERIFY2(ok.ok(), ok.ok() ? "" : ok.error().toString().c_str());
    QCOMPARE(s.executed.load(), 1);

#ifdef MESHX_RPC_HAVE_ETF
    // Byte for byte: the original's first stack frame for Demo.Server.no_such_fun("hello"), taken
    // from capture call_undef.txt: {'Elixir.Demo.Server', no_such_fun, [<<"hello">>], []}.
    const std::string capturedMfa =
        "6804640012456c697869722e44656d6f2e53657276657264000b6e6f5f737563685f66756e6c000000016d00"
        "00000568656c6c6f6a6a";
    auto so = serverOptions(Address::tcp("127.0.0.1", 0));
    so.svcRef = "Elixir.Demo.Server";
    TestServer demo(so);
    QVERIFY(demo.start());
    test::RawPeer peer;
    QVERIFY(peer.connectAndHandshake(demo.address()));
    wire::BlockHeader h;
    h.flag = wire::flag::kCallFirst;
    h.reqRef = 0x243;
    h.connRef = peer.connRef;
    h.funName = "no_such_fun";
    QVERIFY(peer.sendFrame(wire::encodeBlock(h, hello.bytes, nullptr)));
    bool closed = false;
    const wire::Bytes reply = peer.readFrame(closed);
    wire::BlockFrame f;
    QVERIFY(wire::decodeFrame(reply, f) == wire::WireError::Ok);
    QCOMPARE(f.flag, wire::flag::kError);
    QCOMPARE(f.reqRef, uint64_t(0x243));
    QCOMPARE(f.serFlag, uint8_t(1));
    std::string hex;
    for (uint8_t b : f.data) {
        static const char* digits = "0123456789abcdef";
        hex += digits[b >> 4];
        hex += digits[b & 15];
    }
    // 83 {undef, [MFA]}: the term starts as the captured one does and holds the same MFA.
    QVERIFY2(hex.starts_with("836802640005756e6465666c00000001"), hex.c_str());
    QVERIFY2(hex.find(capturedMfa) != std::string::npos, hex.c_str());
    QVERIFY(peer.closedByServer());
#endif
}

void TestRpcEndToEnd::handlerErrorReachesCaller() {
    TestServer s(serverOptions(Address::tcp("127.0.0.1", 0)));
    QVERIFY(s.start());
    RpcClientPool pool(clientOptions(s.address()));
    QVERIFY(pool.start().ok());
    auto r = pool.call("fail", bytesOf(1));
    QVERIFY(!r.ok());
    QCOMPARE_RPC(r.error().code, RpcErrc::Remote);
    QVERIFY(r.error().toString().find("it broke") != std::string::npos);
}

void TestRpcEndToEnd::timeoutExecuteKills() {
    auto so = serverOptions(Address::tcp("127.0.0.1", 0));
    so.timeoutExecute = 100ms;
    TestServer s(so);
    QVERIFY(s.start());
    RpcClientPool pool(clientOptions(s.address()));
    QVERIFY(pool.start().ok());
    Payload slow;
    const std::string ms = "2000";
    slow.bytes.assign(ms.begin(), ms.end());
    const auto start = std::chrono::steady_clock::now();
    auto r = pool.call("slow", slow);
    QVERIFY(!r.ok());
    // The original's worker runs the function under :timer.kill_after(timeout_execute): the
    // function dies with reason killed and that is the term sent (its timeout_call_exec is a
    // backstop at 1.1 x timeout_execute for a kill that did not land).
    QCOMPARE_RPC(r.error().code, RpcErrc::Killed);
    QVERIFY(std::chrono::steady_clock::now() - start < 1500ms);
    // Fast functions still pass under the same limit.
    Payload fast;
    fast.bytes = {'1'};
    QVERIFY(pool.call("slow", fast).ok());
}

void TestRpcEndToEnd::castIsAcknowledgedAndRuns() {
    TestServer s(serverOptions(Address::tcp("127.0.0.1", 0)));
    QVERIFY(s.start());
    RpcClientPool pool(clientOptions(s.address()));
    QVERIFY(pool.start().ok());
    auto r = pool.cast("echo", bytesOf(100));
    QVERIFY2(r.ok(), r.ok() ? "" : r.error().toString().c_str());
    QTRY_COMPARE_WITH_TIMEOUT(s.executed.load(), 1, 5000);
    // A cast of an unknown function is still acknowledged (errors in casts are never reported).
    QVERIFY(pool.cast("nope", bytesOf(1)).ok());
    QVERIFY(pool.call("echo", bytesOf(1)).ok());
    QCOMPARE(s.executed.load(), 2);
}

void TestRpcEndToEnd::poolFullWhenNoWorker() {
    TestServer s(serverOptions(Address::tcp("127.0.0.1", 0)));
    QVERIFY(s.start());
    auto co = clientOptions(s.address());
    co.size = 1;
    co.maxOverflow = 0;
    RpcClientPool pool(co);
    QVERIFY(pool.start().ok());
    // Wait for the background connect, so the only worker is busy with our slow call alone.
    QTRY_VERIFY_WITH_TIMEOUT(pool.stats().connected == 1, 5000);
    Payload slow;
    slow.bytes = {'8', '0', '0'};
    std::atomic<bool> done{false};
    std::jthread t([&] {
        (void)pool.call("slow", slow);
        done = true;
    });
    QTRY_VERIFY_WITH_TIMEOUT(pool.stats().idle == 0, 5000);
    auto r = pool.call("echo", bytesOf(1));
    QVERIFY(!r.ok());
    QCOMPARE_RPC(r.error().code, RpcErrc::Full);
    t.join();
    QVERIFY(done);
    QVERIFY(pool.call("echo", bytesOf(1)).ok());
}

void TestRpcEndToEnd::overflowWorkersAreUsedThenDismissed() {
    TestServer s(serverOptions(Address::tcp("127.0.0.1", 0)));
    QVERIFY(s.start());
    auto co = clientOptions(s.address());
    co.size = 1;
    co.maxOverflow = 3;
    RpcClientPool pool(co);
    QVERIFY(pool.start().ok());
    Payload slow;
    slow.bytes = {'5', '0', '0'};
    std::vector<std::jthread> threads;
    std::atomic<int> ok{0};
    for (int i = 0; i < 4; ++i)
        threads.emplace_back([&] { ok += pool.call("slow", slow).ok() ? 1 : 0; });
    for (auto& t : threads)
        t.join();
    QCOMPARE(ok.load(), 4);
    QCOMPARE(pool.stats().workers, size_t(1));  // overflow workers went away on check-in
}

void TestRpcEndToEnd::callersShareWorkersWithoutTheLock_data() {
    QTest::addColumn<bool>("fifo");
    QTest::newRow("lifo (parked workers, lock-free)") << false;
    QTest::newRow("fifo (the locked list)") << true;
}

void TestRpcEndToEnd::callersShareWorkersWithoutTheLock() {
    QFETCH(bool, fifo);
    TestServer s(serverOptions(Address::tcp("127.0.0.1", 0)));
    QVERIFY(s.start());
    auto co = clientOptions(s.address());
    co.size = 4;
    co.maxOverflow = 0;
    co.strategy = fifo ? RpcClientOptions::Strategy::Fifo : RpcClientOptions::Strategy::Lifo;
    RpcClientPool pool(co);
    QVERIFY(pool.start().ok());
    // As many callers as workers: a caller always finds one (its own parked worker, or the
    // list), so no call may fail with `full`, and each gets its own reply back.
    constexpr int kThreads = 4, kCalls = 300;
    std::atomic<int> ok{0}, wrong{0};
    std::vector<std::jthread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < kCalls; ++i) {
                const Payload arg =
                    bytesOf(16 + static_cast<size_t>(i % 7), uint32_t(t * 1000 + i));
                auto r = pool.call("echo", arg);
                if (!r.ok()) {
                    ++wrong;
                    qWarning("call failed: %s", r.error().toString().c_str());
                } else if (r->bytes != arg.bytes) {
                    ++wrong;
                } else {
                    ++ok;
                }
            }
        });
    }
    threads.clear();  // joins
    QCOMPARE(wrong.load(), 0);
    QCOMPARE(ok.load(), kThreads * kCalls);
    QCOMPARE(s.executed.load(), kThreads * kCalls);
    // Parked workers count as idle and connected; no worker was lost or duplicated.
    const auto st = pool.stats();
    QCOMPARE(st.workers, size_t(4));
    QCOMPARE(st.idle, size_t(4));
    QCOMPARE(st.connected, size_t(4));
}

void TestRpcEndToEnd::stopEndsCallsInFlight() {
    TestServer s(serverOptions(Address::tcp("127.0.0.1", 0)));
    QVERIFY(s.start());
    auto co = clientOptions(s.address());
    co.size = 3;
    co.maxOverflow = 0;
    co.retries = 0;
    RpcClientPool pool(co);
    QVERIFY(pool.start().ok());
    std::atomic<int> ok{0}, ended{0}, other{0};
    std::vector<std::jthread> threads;
    for (int t = 0; t < 3; ++t) {
        threads.emplace_back([&] {
            // Bounded: stop() below ends every caller long before this count: `closed` when the
            // call found the pool stopping, `tcp_closed` when stop() aborted it on the socket.
            for (int i = 0; i < 200000; ++i) {
                auto r = pool.call("echo", bytesOf(32));
                if (r.ok()) {
                    ++ok;
                    continue;
                }
                const auto code = r.error().code;
                (code == RpcErrc::Closed || code == RpcErrc::TcpClosed ? ended : other) += 1;
                return;
            }
        });
    }
    QTRY_VERIFY_WITH_TIMEOUT(ok.load() >= 300, 20000);
    pool.stop();  // aborts calls in flight, waits for every worker to come back
    threads.clear();
    QCOMPARE(other.load(), 0);
    QCOMPARE(ended.load(), 3);  // each caller ended, none hung
    auto after = pool.call("echo", bytesOf(1));
    QVERIFY(!after.ok());
    QCOMPARE_RPC(after.error().code, RpcErrc::Closed);
    QCOMPARE(pool.start().ok(), false);  // a stopped pool stays stopped
}

void TestRpcEndToEnd::callTimeoutDropsConnection() {
    TestServer s(serverOptions(Address::tcp("127.0.0.1", 0)));
    QVERIFY(s.start());
    RpcClientPool pool(clientOptions(s.address()));
    QVERIFY(pool.start().ok());
    Payload slow;
    slow.bytes = {'5', '0', '0'};
    CallOptions c;
    c.timeout = 50ms;
    auto r = pool.call("slow", slow, c);
    QVERIFY(!r.ok());
    QCOMPARE_RPC(r.error().code, RpcErrc::Timeout);
    QVERIFY(pool.call("echo", bytesOf(2)).ok());
}

void TestRpcEndToEnd::retryAfterServerRestart() {
    auto so = serverOptions(Address::tcp("127.0.0.1", 0));
    auto s = std::make_unique<TestServer>(so);
    QVERIFY(s->start());
    const Address fixed = s->address();
    auto co = clientOptions(fixed);
    co.size = 1;
    co.retryProxyFail = 50ms;
    RpcClientPool pool(co);
    QVERIFY(pool.start().ok());
    QVERIFY(pool.call("echo", bytesOf(4)).ok());
    s.reset();  // server gone, the worker's connection is dead
    auto restarted = std::make_unique<TestServer>(serverOptions(fixed));
    QVERIFY(restarted->start());
    auto r = pool.call("echo", bytesOf(4));
    QVERIFY2(r.ok(), r.ok() ? "" : r.error().toString().c_str());
    QCOMPARE(restarted->executed.load(), 1);
}

void TestRpcEndToEnd::quietHandshakeErrorJustCloses() {
    for (bool quiet : {false, true}) {
        auto so = serverOptions(Address::tcp("127.0.0.1", 0));
        so.quietOnHskError = quiet;
        so.sharedKey = "k";
        TestServer s(so);
        QVERIFY(s.start());
        auto fd = transport::connectTo(s.address(), 5s);
        QVERIFY(fd.ok());
        transport::FrameStream stream(*fd);
        wire::Handshake h;
        h.connRef = "x";
        QVERIFY(stream
                    .writeFrame(2,
                                wire::encodeHandshake(h, "wrong", wire::Crc32Checksum::instance()),
                                transport::Clock::now() + 5s)
                    .ok());
        wire::ByteView reply;
        auto r = stream.readFrame(2, 0xffff, transport::Clock::now() + 5s, reply);
        if (quiet) {
            QVERIFY(r.status == transport::IoStatus::Closed);
        } else {
            QVERIFY(r.ok());
            std::string text;
            QVERIFY(wire::decodeHandshakeError(reply, text) == wire::WireError::Ok);
            QCOMPARE(QString::fromStdString(text), QString("invalid_digest"));
        }
    }
}

void TestRpcEndToEnd::badFramesCloseWithOriginalErrors() {
    TestServer s(serverOptions(Address::tcp("127.0.0.1", 0)));
    QVERIFY(s.start());
    RpcClientPool bystander(clientOptions(s.address()));
    QVERIFY(bystander.start().ok());

    struct Case {
        const char* name;
        std::function<std::vector<wire::Bytes>(const std::string& connRef)> frames;
        const char* original;   // the original's 0xC7 atom; nullptr: it closes with no reply
        const char* explained;  // ours with explainProtocolErrors
    };
    auto block = [](uint8_t flag, uint64_t reqRef, const std::string& connRef, uint64_t seq,
                    const char* fn, size_t n) {
        wire::BlockHeader h;
        h.flag = flag;
        h.reqRef = reqRef;
        h.connRef = connRef;
        h.seq = seq;
        h.funName = fn;
        return wire::encodeBlock(h, bytesOf(n).bytes, nullptr);
    };
    // What the original does, from its Block.Decode and Server.Worker: a decode error with a
    // req_ref already known (mid-message) gets 0xC7 invalid_ref; a bad conn_ref on a first block
    // crashes the worker while it builds the error frame (req_ref nil); binary patterns that do
    // not match (short fields, unknown flag) crash it too. A crash closes with no reply.
    std::vector<Case> cases = {
        {"wrong conn_ref on a first block",
         [&](const std::string&) {
             return std::vector<wire::Bytes>{block(0x32, 5, "zzzz", 1, "echo", 3)};
         },
         nullptr, "invalid_ref"},
        {"wrong conn_ref mid-message",
         [&](const std::string& c) {
             return std::vector<wire::Bytes>{block(0x33, 5, c, 2, "", 3),
                                             block(0x32, 5, "zzzz", 1, "echo", 3)};
         },
         "invalid_ref", "invalid_ref"},
        {"req_ref changes midway",
         [&](const std::string& c) {
             return std::vector<wire::Bytes>{block(0x33, 5, c, 2, "", 3),
                                             block(0x32, 6, c, 1, "echo", 3)};
         },
         "invalid_ref", "invalid_ref"},
        {"seq skips",
         [&](const std::string& c) {
             return std::vector<wire::Bytes>{block(0x33, 5, c, 3, "", 3),
                                             block(0x32, 5, c, 1, "echo", 3)};
         },
         "invalid_ref", "invalid_ref"},
        {"data length larger than the frame",
         [&](const std::string& c) {
             wire::Bytes b = block(0x32, 5, c, 1, "echo", 3);
             wire::storeBe(b.data() + b.size() - 3 - 8, 1000, 8);
             return std::vector<wire::Bytes>{b};
         },
         nullptr, "truncated_frame"},
        {"unknown flag",
         [&](const std::string& c) {
             wire::Bytes b = block(0x32, 5, c, 1, "echo", 3);
             b[0] = 0x77;
             return std::vector<wire::Bytes>{b};
         },
         nullptr, "unknown_flag"},
        {"a reply flag sent to the server",
         [&](const std::string& c) { return std::vector<wire::Bytes>{wire::encodeCastAck(5, c)}; },
         nullptr, "unknown_flag"},
    };
    auto check = [&](const Address& address, const Case& tc, const char* expected) -> bool {
        test::RawPeer peer;
        if (!peer.connectAndHandshake(address))
            return false;
        for (const auto& f : tc.frames(peer.connRef)) {
            if (!peer.sendFrame(f))
                return false;
        }
        bool closed = false;
        wire::Bytes reply = peer.readFrame(closed);
        if (expected == nullptr)
            return reply.empty() && closed;
        wire::BlockFrame f;
        if (reply.empty() || wire::decodeFrame(reply, f) != wire::WireError::Ok ||
            f.flag != wire::flag::kError || f.reqRef != 5) {
            return false;
        }
        auto term = SerializerRegistry::global().deserialize(f.serFlag, f.data);
        return term.ok() && term->dump() == "\"" + std::string(expected) + "\"" &&
               peer.closedByServer();
    };
    auto explaining = serverOptions(Address::tcp("127.0.0.1", 0));
    explaining.explainProtocolErrors = true;
    TestServer se(explaining);
    QVERIFY(se.start());
    for (const Case& tc : cases) {
        QVERIFY2(check(s.address(), tc, tc.original), tc.name);
        QVERIFY2(check(se.address(), tc, tc.explained), tc.name);
        // The server still serves others, and nothing ran.
        QVERIFY(bystander.call("echo", bytesOf(1)).ok());
    }
    QCOMPARE(se.executed.load(), 0);
    QCOMPARE(s.executed.load(), static_cast<int>(cases.size()));  // only the bystander's calls

    // Bad checksum with checksums on.
    auto so = serverOptions(Address::tcp("127.0.0.1", 0));
    so.checksum = &wire::Crc32Checksum::instance();
    TestServer sc(so);
    QVERIFY(sc.start());
    test::RawPeer peer;
    QVERIFY(peer.connectAndHandshake(sc.address()));
    wire::BlockHeader h;
    h.flag = 0x32;
    h.reqRef = 9;
    h.connRef = peer.connRef;
    h.funName = "echo";
    wire::Bytes b = wire::encodeBlock(h, bytesOf(10).bytes, &wire::Crc32Checksum::instance());
    b.back() ^= 0xff;
    QVERIFY(peer.sendFrame(b));
    bool closed = false;
    wire::Bytes reply = peer.readFrame(closed);
    wire::BlockFrame f;
    QVERIFY(wire::decodeFrame(reply, f) == wire::WireError::Ok);
    auto term = SerializerRegistry::global().deserialize(f.serFlag, f.data);
    QVERIFY(term.ok());
    QCOMPARE(QString::fromStdString(term->dump()), QString("\"invalid_cks\""));
    QVERIFY(peer.closedByServer());
    QCOMPARE(sc.executed.load(), 0);
}

void TestRpcEndToEnd::truncatedFrameClosesWithoutExecuting() {
    TestServer s(serverOptions(Address::tcp("127.0.0.1", 0)));
    QVERIFY(s.start());
    {
        // A length prefix promising more than is sent, then the client goes away.
        test::RawPeer peer;
        QVERIFY(peer.connectAndHandshake(s.address()));
        QVERIFY(peer.sendRaw({0x00, 0x00, 0x01, 0x00, 0x32, 0x00, 0x00}));
        peer.close();
    }
    {
        // A length prefix above any frame we accept: closed before buffering it.
        test::RawPeer peer;
        QVERIFY(peer.connectAndHandshake(s.address()));
        QVERIFY(peer.sendRaw({0x7f, 0xff, 0xff, 0xff, 0x32}));
        QVERIFY(peer.closedByServer());
    }
    {
        // An empty frame (what the original's 2/4-byte race produces): closed.
        test::RawPeer peer;
        QVERIFY(peer.connectAndHandshake(s.address()));
        QVERIFY(peer.sendRaw({0x00, 0x00, 0x00, 0x00}));
        QVERIFY(peer.closedByServer());
    }
    RpcClientPool pool(clientOptions(s.address()));
    QVERIFY(pool.start().ok());
    QVERIFY(pool.call("echo", bytesOf(1)).ok());
    QCOMPARE(s.executed.load(), 1);
    QTRY_COMPARE_WITH_TIMEOUT(s.server->connectionCount(), size_t(2),
                              5000);  // the pool's 2 workers
}

QTEST_GUILESS_MAIN(TestRpcEndToEnd)
#include "test_rpc_end_to_end.moc"
