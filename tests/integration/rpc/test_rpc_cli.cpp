// `meshx rpc-serve --address`, `meshx rpc-call` and `meshx rpc-bench` as processes, no mesh:
// bad options exit 2 with a message, --help lists the MeshxRpc options, rpc-call prints one JSON
// line per result and a summary, options reach the wire (block size, checksum, serializer, shared
// key from the environment), and the shared key never shows in any output.

#include <QProcess>
#include <QTemporaryDir>

#include <cmath>
#include <set>

#include "meshx_test.h"
#include "raw_peer.h"
#include "rpc/serialize/serializer_registry.h"
#include "rpc/wire/block_codec.h"
#include "rpc_serve_process.h"

using nlohmann::json;

namespace {

struct CliRun {
    int exitCode = -1;
    QString out;
    QString err;
    std::vector<json> lines;
};

CliRun runMeshx(const QStringList& args, const QProcessEnvironment& env = {},
                int timeoutMs = 120000) {
    QProcess p;
    p.setProcessEnvironment(env.isEmpty() ? QProcessEnvironment::systemEnvironment() : env);
    p.start(meshxBinary(QStringLiteral("meshx")), args);
    CliRun r;
    if (!p.waitForStarted(10000)) {
        return r;
    }
    p.closeWriteChannel();
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished(5000);
        return r;
    }
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err = QString::fromUtf8(p.readAllStandardError());
    r.lines = jsonLines(r.out);
    return r;
}

}  // namespace

class TestRpcCli : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;

  private slots:
    void badOptionsExitTwo_data();
    void badOptionsExitTwo();
    void helpListsTheOptions();
    void callPlainServerPrintsJsonLines();
    void optionsReachTheWire();
    void explainProtocolErrorsFlag();
    void sharedKeyFromEnvironmentNeverPrinted();
    void benchPrintsFigures();
};

void TestRpcCli::badOptionsExitTwo_data() {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("message");
    QTest::newRow("serve without service or address") << QStringList{"rpc-serve"} << "either";
    QTest::newRow("serve with both")
        << QStringList{"rpc-serve", "--service", "s", "--address", "tcp://127.0.0.1:0"} << "either";
    QTest::newRow("serve bad address")
        << QStringList{"rpc-serve", "--address", "ftp://x"} << "--address";
    QTest::newRow("serve unknown option")
        << QStringList{"rpc-serve", "--address", "tcp://127.0.0.1:0", "--bogus"} << "--bogus";
    QTest::newRow("serve small block")
        << QStringList{"rpc-serve", "--address", "tcp://127.0.0.1:0", "--blk-max-size", "10"}
        << "--blk-max-size";
    QTest::newRow("serve sleeps reversed")
        << QStringList{"rpc-serve",   "--address", "tcp://127.0.0.1:0", "--min-sleep", "9",
                       "--max-sleep", "1"}
        << "min-sleep";
    QTest::newRow("serve bad checksum")
        << QStringList{"rpc-serve", "--address", "tcp://127.0.0.1:0", "--checksum", "md5"}
        << "--checksum";
    QTest::newRow("call without fn")
        << QStringList{"rpc-call", "--address", "tcp://127.0.0.1:1"} << "--fn";
    QTest::newRow("call bad arg JSON")
        << QStringList{"rpc-call", "--address", "tcp://127.0.0.1:1", "--fn", "echo", "--arg", "{"}
        << "--arg";
    QTest::newRow("call missing value")
        << QStringList{"rpc-call", "--address", "tcp://127.0.0.1:1", "--fn"} << "needs a value";
    QTest::newRow("call bad strategy")
        << QStringList{"rpc-call",   "--address", "tcp://127.0.0.1:1", "--fn", "f",
                       "--strategy", "random"}
        << "--strategy";
    QTest::newRow("call bad retry-on")
        << QStringList{"rpc-call", "--address",  "tcp://127.0.0.1:1", "--fn",
                       "f",        "--retry-on", "closed,nope"}
        << "nope";
    QTest::newRow("call bad serializer")
        << QStringList{"rpc-call",     "--address", "tcp://127.0.0.1:1", "--fn", "f",
                       "--serializer", "yaml"}
        << "--serializer";
    QTest::newRow("call zero count")
        << QStringList{"rpc-call", "--address", "tcp://127.0.0.1:1", "--fn", "f", "--count", "0"}
        << "--count";
    QTest::newRow("call bad timeout")
        << QStringList{"rpc-call",  "--address", "tcp://127.0.0.1:1", "--fn", "f",
                       "--timeout", "soon"}
        << "--timeout";
    QTest::newRow("bench without address") << QStringList{"rpc-bench"} << "--address";
    QTest::newRow("bench bad seconds")
        << QStringList{"rpc-bench", "--address", "tcp://127.0.0.1:1", "--seconds", "0"}
        << "--seconds";
}

void TestRpcCli::badOptionsExitTwo() {
    QFETCH(QStringList, args);
    QFETCH(QString, message);
    auto r = runMeshx(args);
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains(message), qPrintable(r.err));
    QVERIFY(r.out.isEmpty());
}

void TestRpcCli::helpListsTheOptions() {
    for (const char* cmd : {"rpc-serve", "rpc-call", "rpc-bench"}) {
        auto r = runMeshx({cmd, "--help"});
        QCOMPARE(r.exitCode, 0);
        for (const char* opt :
             {"--blk-max-size", "--checksum", "--serializer", "--shared-key", "--conn-ref",
              "--node-ref", "--svc-ref", "--timeout-hsk", "MESHX_RPC_SHARED_KEY", "--telemetry"}) {
            QVERIFY2(r.out.contains(opt), qPrintable(QString(cmd) + " lacks " + opt));
        }
    }
    auto call = runMeshx({"rpc-call", "--help"});
    for (const char* opt :
         {"--pool-size", "--max-overflow", "--strategy", "--idle-reconnect", "--retry-proxy-fail",
          "--retry-hsk-fail", "--timeout-connect", "--retry-on", "--cast", "--concurrency"}) {
        QVERIFY2(call.out.contains(opt), opt);
    }
    QVERIFY(runMeshx({"rpc-serve", "--help"}).out.contains("--timeout-execute"));
    QVERIFY(runMeshx({"--help"}).out.contains("rpc-serve"));
}

void TestRpcCli::callPlainServerPrintsJsonLines() {
    RpcServeProcess server;
    QVERIFY2(server.start({"--address", "tcp://127.0.0.1:0", "--id", "plain-1", "--min-sleep", "1",
                           "--max-sleep", "3"},
                          QProcessEnvironment::systemEnvironment(), dir_.filePath("plain.err")),
             qPrintable(server.errors()));
    const QString address = QString::fromStdString(server.address());
    QVERIFY(address.startsWith("tcp://127.0.0.1:"));
    QVERIFY(!address.endsWith(":0"));

    auto echo = runMeshx(
        {"rpc-call", "--address", address, "--fn", "echo", "--arg", R"({"a":[1,2,3],"b":"x"})"});
    QCOMPARE(echo.exitCode, 0);
    QCOMPARE(echo.lines.size(), size_t(2));
    QCOMPARE(echo.lines[0]["ok"], json(true));
    QCOMPARE(echo.lines[0]["result"], json::parse(R"({"a":[1,2,3],"b":"x"})"));
    QCOMPARE(echo.lines[1]["summary"], json(true));

    auto work = runMeshx({"rpc-call", "--address", address, "--fn", "do_work", "--count", "10",
                          "--concurrency", "4"});
    QCOMPARE(work.exitCode, 0);
    QCOMPARE(work.lines.size(), size_t(11));
    std::set<uint64_t> indexes;
    for (size_t i = 0; i < 10; ++i) {
        QCOMPARE(work.lines[i]["served_by"], json("plain-1"));
        indexes.insert(work.lines[i]["i"].get<uint64_t>());
    }
    QCOMPARE(indexes.size(), size_t(10));
    const json& summary = work.lines[10];
    QCOMPARE(summary["calls"], json(10));
    QCOMPARE(summary["ok"], json(10));
    QCOMPARE(summary["failed"], json(0));
    QCOMPARE(summary["served_by"], json({{"plain-1", 10}}));

    auto ping = runMeshx({"rpc-call", "--address", address, "--fn", "ping"});
    QCOMPARE(ping.lines[0]["result"], json("pong"));
    auto host = runMeshx({"rpc-call", "--address", address, "--fn", "hostname"});
    QVERIFY(!host.lines[0]["result"].get<std::string>().empty());

    // Unknown function: the original's undef error, exit 1, and the server keeps serving.
    auto undef = runMeshx({"rpc-call", "--address", address, "--fn", "rm_rf"});
    QCOMPARE(undef.exitCode, 1);
    QCOMPARE(undef.lines[0]["ok"], json(false));
    QVERIFY(undef.lines[0]["error"].get<std::string>().starts_with("undef"));
    QCOMPARE(runMeshx({"rpc-call", "--address", address, "--fn", "ping"}).exitCode, 0);

    auto cast = runMeshx({"rpc-call", "--address", address, "--fn", "echo", "--cast"});
    QCOMPARE(cast.exitCode, 0);
    QCOMPARE(cast.lines[0]["cast"], json("acked"));

    QString out;
    QCOMPARE(server.terminate(&out), 0);
    QVERIFY(out.contains("\"stopped\":true"));
    // Nothing listens any more: calls fail (exit 1) instead of hanging.
    auto gone = runMeshx({"rpc-call", "--address", address, "--fn", "ping", "--retries", "1",
                          "--retry-sleep", "10", "--timeout-connect", "2000"});
    QCOMPARE(gone.exitCode, 1);
    QCOMPARE(gone.lines.back()["failed"], json(1));
}

void TestRpcCli::optionsReachTheWire() {
    // Both sides with 500-byte blocks, crc32 and msgpack: a 3000-byte argument needs several
    // blocks; the client's telemetry counts them, and values survive the serializer.
    const QStringList wire = {"--blk-max-size", "500",          "--checksum",
                              "crc32",          "--serializer", "msgpack"};
    RpcServeProcess server;
    QVERIFY2(server.start(QStringList{"--address", "tcp://127.0.0.1:0"} + wire,
                          QProcessEnvironment::systemEnvironment(), dir_.filePath("wire.err")),
             qPrintable(server.errors()));
    const QString address = QString::fromStdString(server.address());
    const std::string text(3000, 'q');
    auto r =
        runMeshx(QStringList{"rpc-call", "--address", address, "--fn", "echo", "--arg",
                             QString::fromStdString(json(text).dump()), "--telemetry", "json"} +
                 wire);
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(r.lines[0]["result"], json(text));
    bool sawBlocks = false;
    for (const auto& e : jsonLines(r.err)) {
        if (e.value("telemetry", "") == "call" && e["meta"].value("result", "") == "ok") {
            sawBlocks = e["metrics"]["blocks"]["send"].get<int>() >= 6 &&
                        e["metrics"]["blocks"]["recv"].get<int>() >= 6;
        }
    }
    QVERIFY2(sawBlocks, qPrintable(r.err.left(2000)));

    // A client with another block size is refused at the handshake (not retried): exit 1.
    auto mismatch = runMeshx({"rpc-call", "--address", address, "--fn", "echo", "--blk-max-size",
                              "600", "--checksum", "crc32", "--serializer", "msgpack"});
    QCOMPARE(mismatch.exitCode, 1);
    // (the pool's background connect may meet the refusal first: then the call reads
    // "closed: worker is waiting to reconnect after: invalid_hsk_params...", as a poolboy worker
    // in closed state would answer)
    QVERIFY2(mismatch.lines[0]["error"].get<std::string>().find("invalid_hsk_params") !=
                 std::string::npos,
             qPrintable(mismatch.out));
    QCOMPARE(server.terminate(), 0);
}

void TestRpcCli::explainProtocolErrorsFlag() {
    // A request with an unknown flag: rpc-serve closes like the original by default, and names
    // the fault in a 0xC7 frame with --explain-protocol-errors.
    for (bool explain : {false, true}) {
        RpcServeProcess server;
        QStringList args{"--address", "tcp://127.0.0.1:0"};
        if (explain)
            args << "--explain-protocol-errors";
        QVERIFY2(server.start(args, QProcessEnvironment::systemEnvironment(),
                              dir_.filePath("explain.err")),
                 qPrintable(server.errors()));
        auto address = meshx::net::Address::parse(server.address());
        QVERIFY(address.ok());
        meshx::rpc::test::RawPeer peer;
        QVERIFY(peer.connectAndHandshake(*address));
        meshx::rpc::wire::BlockHeader h;
        h.flag = meshx::rpc::wire::flag::kCallFirst;
        h.reqRef = 5;
        h.connRef = peer.connRef;
        h.funName = "echo";
        auto frame = meshx::rpc::wire::encodeBlock(h, meshx::rpc::wire::Bytes{'x'}, nullptr);
        frame[0] = 0x77;  // no such flag
        QVERIFY(peer.sendFrame(frame));
        bool closed = false;
        const auto reply = peer.readFrame(closed);
        if (!explain) {
            QVERIFY(reply.empty() && closed);
        } else {
            meshx::rpc::wire::BlockFrame f;
            QVERIFY(meshx::rpc::wire::decodeFrame(reply, f) == meshx::rpc::wire::WireError::Ok);
            QCOMPARE(f.flag, meshx::rpc::wire::flag::kError);
            auto term = meshx::rpc::SerializerRegistry::global().deserialize(f.serFlag, f.data);
            QVERIFY(term.ok());
            QCOMPARE(QString::fromStdString(term->dump()), QString("\"unknown_flag\""));
        }
        QCOMPARE(server.terminate(), 0);
    }
}

void TestRpcCli::sharedKeyFromEnvironmentNeverPrinted() {
    const QString key = QStringLiteral("k3y-that-must-not-leak");
    auto env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("MESHX_RPC_SHARED_KEY"), key);
    RpcServeProcess server;
    QVERIFY2(server.start({"--address", "tcp://127.0.0.1:0", "--telemetry", "pretty"}, env,
                          dir_.filePath("key.err")),
             qPrintable(server.errors()));
    const QString address = QString::fromStdString(server.address());
    auto good =
        runMeshx({"rpc-call", "--address", address, "--fn", "ping", "--telemetry", "json"}, env);
    QCOMPARE(good.exitCode, 0);
    QCOMPARE(good.lines[0]["result"], json("pong"));
    // Without the key the handshake is refused with the original's invalid_digest.
    auto bad = runMeshx({"rpc-call", "--address", address, "--fn", "ping"});
    QCOMPARE(bad.exitCode, 1);
    QVERIFY2(bad.lines[0]["error"].get<std::string>().find("invalid_digest") != std::string::npos,
             qPrintable(bad.out));
    QString out;
    QCOMPARE(server.terminate(&out), 0);
    for (const QString& text : {good.out, good.err, bad.out, bad.err, out, server.errors()}) {
        QVERIFY(!text.contains(key));
    }
    QVERIFY(server.errors().contains("ping"));  // the pretty telemetry did print
}

void TestRpcCli::benchPrintsFigures() {
    RpcServeProcess server;
    QVERIFY2(server.start({"--address", "tcp://127.0.0.1:0"},
                          QProcessEnvironment::systemEnvironment(), dir_.filePath("bench.err")),
             qPrintable(server.errors()));
    auto r = runMeshx({"rpc-bench", "--address", QString::fromStdString(server.address()), "--size",
                       "1024", "--seconds", "1", "--concurrency", "2"});
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(r.lines.size(), size_t(1));
    const json& f = r.lines[0];
    QVERIFY(f["calls"].get<uint64_t>() > 0);
    QCOMPARE(f["failed"], json(0));
    QVERIFY(f["calls_per_s"].get<double>() > 0);
    QVERIFY(f["p50_us"].get<double>() > 0);
    QVERIFY(f["p99_us"].get<double>() >= f["p50_us"].get<double>());
    // MiB/s (2^20 bytes) of argument plus reply, from the same calls as calls_per_s.
    QVERIFY(!f.contains("mb_per_s"));
    const double mib = f["calls_per_s"].get<double>() * 1024 * 2 / (1024.0 * 1024.0);
    QVERIFY2(std::abs(f["mib_per_s"].get<double>() - mib) <= 0.06 + mib * 0.001, qPrintable(r.out));
    QCOMPARE(server.terminate(), 0);
}

QTEST_GUILESS_MAIN(TestRpcCli)
#include "test_rpc_cli.moc"
