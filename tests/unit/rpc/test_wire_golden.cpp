// Golden tests: every frame captured from the original Elixir MeshxRpc is decoded, checked the way
// the receiving peer checks it, and re-encoded from its decoded fields to the identical bytes
// (length prefixes, block split, checksums and digests included).

#include <map>

#include "capture_file.h"
#include "rpc/wire/block_codec.h"
#include "rpc/wire/crc32_checksum.h"
#include "rpc/wire/handshake_codec.h"
#include "rpc/wire/message_assembler.h"
#include "rpc/wire/message_encoder.h"
#include "rpc/wire/outer_framing.h"
#include "rpc_test_print.h"

using namespace meshx::rpc::wire;
using meshx::rpc::test::CapturedConnection;

namespace {

struct Scenario {
    std::string clientKey;
    std::string serverKey;
    bool checksums = false;
    uint64_t serverBlk = kDefaultBlkMaxSize;
    std::string expectedHskError;  // the server's 0xDB text, if it refuses
};

// What each capture's header comment says about its options.
std::map<std::string, Scenario> scenarios() {
    return {
        {"hsk_default", {}},
        {"hsk_shared_key", {"api_ver_01", "api_ver_01", false, kDefaultBlkMaxSize, ""}},
        {"hsk_bad_key", {"", "api_ver_01", false, kDefaultBlkMaxSize, "invalid_digest"}},
        {"hsk_bad_blk", {"", "", false, kDefaultBlkMaxSize, "invalid_hsk_params"}},
        {"call_bin", {}},
        {"call_bin_cks", {"", "", true, kDefaultBlkMaxSize, ""}},
        {"call_term", {}},
        {"call_raise", {}},
        {"call_undef", {}},
        {"call_40k", {}},
        {"call_40k_cks", {"", "", true, kDefaultBlkMaxSize, ""}},
        {"cast", {}},
        {"cast_40k", {}},
    };
}

ByteView payloadOf(const meshx::rpc::test::CapturedFrame& f, size_t prefix) {
    FrameSlice slice;
    if (sliceFrame(f.bytes, prefix, 1u << 30, slice) != WireError::Ok || !slice.complete ||
        slice.consumed != f.bytes.size()) {
        return {};
    }
    return slice.payload;
}

}  // namespace

class TestWireGolden : public QObject {
    Q_OBJECT

  private slots:
    void everyCapturedFrame_data();
    void everyCapturedFrame();
    void allFramesCovered();

  private:
    int framesChecked_ = 0;
};

void TestWireGolden::everyCapturedFrame_data() {
    QTest::addColumn<QString>("name");
    for (const auto& [name, s] : scenarios())
        QTest::newRow(name.c_str()) << QString::fromStdString(name);
}

void TestWireGolden::everyCapturedFrame() {
    QFETCH(QString, name);
    const Scenario sc = scenarios().at(name.toStdString());
    const auto conns =
        meshx::rpc::test::readCapture(meshx::rpc::test::captureDir() + name.toStdString() + ".txt");
    QVERIFY(!conns.empty());
    const Checksum& crc = Crc32Checksum::instance();
    const Checksum* cks = sc.checksums ? &crc : nullptr;

    for (const CapturedConnection& conn : conns) {
        QVERIFY(conn.frames.size() >= 2);
        // Handshake request: decode, verify as the server does, re-encode.
        const auto& reqFrame = conn.frames[0];
        QVERIFY(reqFrame.fromClient);
        ByteView reqPayload = payloadOf(reqFrame, kHandshakePrefix);
        QVERIFY(!reqPayload.empty());
        Handshake req;
        QCOMPARE_WIRE(decodeHandshake(reqPayload, req), WireError::Ok);
        QCOMPARE(req.flag, flag::kHskRequest);
        QCOMPARE_WIRE(verifyHandshake(reqPayload, req, req.blkMaxSize, sc.clientKey, crc),
                      WireError::Ok);
        Bytes again = encodeHandshake(req, sc.clientKey, crc);
        QVERIFY(again == Bytes(reqPayload.begin(), reqPayload.end()));
        ++framesChecked_;

        const WireError serverView =
            verifyHandshake(reqPayload, req, sc.serverBlk, sc.serverKey, crc);
        const auto& ackFrame = conn.frames[1];
        QVERIFY(!ackFrame.fromClient);
        ByteView ackPayload = payloadOf(ackFrame, kHandshakePrefix);
        QVERIFY(!ackPayload.empty());
        if (!sc.expectedHskError.empty()) {
            QCOMPARE(std::string(toString(serverView)), sc.expectedHskError);
            std::string text;
            QCOMPARE_WIRE(decodeHandshakeError(ackPayload, text), WireError::Ok);
            QCOMPARE(text, sc.expectedHskError);
            QVERIFY(encodeHandshakeError(text) == Bytes(ackPayload.begin(), ackPayload.end()));
            ++framesChecked_;
            QCOMPARE(conn.frames.size(), size_t(2));
            continue;
        }
        QCOMPARE_WIRE(serverView, WireError::Ok);
        Handshake ack;
        QCOMPARE_WIRE(decodeHandshake(ackPayload, ack), WireError::Ok);
        QCOMPARE(ack.flag, flag::kHskAck);
        QCOMPARE(ack.hskRef, req.hskRef);
        QCOMPARE_WIRE(verifyHandshake(ackPayload, ack, req.blkMaxSize, sc.clientKey, crc),
                      WireError::Ok);
        QVERIFY(encodeHandshake(ack, sc.serverKey, crc) ==
                Bytes(ackPayload.begin(), ackPayload.end()));
        ++framesChecked_;

        // Blocks: feed each direction's frames to a receiver; when a message completes, re-encode
        // it from its fields and compare with the frames that carried it.
        MessageAssembler server(MessageAssembler::Role::Server, cks, 1u << 30);
        server.setPeerConnRef(req.connRef);
        MessageAssembler client(MessageAssembler::Role::Client, cks, 1u << 30);
        client.setPeerConnRef(ack.connRef);
        std::vector<Bytes> pending;  // frames of the message being received, with prefixes
        for (size_t i = 2; i < conn.frames.size(); ++i) {
            const auto& f = conn.frames[i];
            ByteView payload = payloadOf(f, kBlockPrefix);
            QVERIFY(!payload.empty());
            pending.push_back(f.bytes);
            MessageAssembler& rx = f.fromClient ? server : client;
            MessageAssembler::Event ev{};
            QCOMPARE_WIRE(rx.feed(payload, ev), WireError::Ok);
            if (ev == MessageAssembler::Event::NeedMore)
                continue;
            Bytes data;
            rx.takeData(data);
            std::vector<Bytes> rebuilt;
            if (ev == MessageAssembler::Event::CastAck) {
                rebuilt.push_back(encodeCastAck(rx.reqRef(), ack.connRef));
            } else if (ev == MessageAssembler::Event::ErrorReply) {
                QCOMPARE(rx.serFlag(), uint8_t(1));
                QCOMPARE(data.front(), uint8_t(0x83));  // ETF
                rebuilt.push_back(encodeErrorFrame(rx.reqRef(), ack.connRef, rx.serFlag(), data));
            } else {
                if (f.fromClient)
                    client.expectReply(rx.reqRef());
                MessageEncoder enc(cks);
                QCOMPARE_WIRE(enc.begin(rx.finalFlag(), req.blkMaxSize, rx.reqRef(),
                                        f.fromClient ? req.connRef : ack.connRef, rx.serFlag(),
                                        rx.funName(), data),
                              WireError::Ok);
                MessageEncoder::Block b;
                while (enc.next(b)) {
                    Bytes whole(b.head.begin(), b.head.end());
                    whole.insert(whole.end(), b.data.begin(), b.data.end());
                    whole.insert(whole.end(), b.trailer.begin(), b.trailer.end());
                    rebuilt.push_back(std::move(whole));
                }
                if (name == "call_40k" || name == "call_40k_cks" || name == "cast_40k") {
                    QCOMPARE(data.size(), size_t(40000));
                    QCOMPARE(rebuilt.size(), size_t(3));
                }
            }
            if (ev == MessageAssembler::Event::CastAck ||
                ev == MessageAssembler::Event::ErrorReply) {
                Bytes prefixed(4);
                storePrefix(prefixed.data(), kBlockPrefix, rebuilt[0].size());
                prefixed.insert(prefixed.end(), rebuilt[0].begin(), rebuilt[0].end());
                rebuilt[0] = std::move(prefixed);
            }
            QCOMPARE(rebuilt.size(), pending.size());
            for (size_t k = 0; k < rebuilt.size(); ++k)
                QVERIFY2(rebuilt[k] == pending[k], qPrintable(QString("frame %1").arg(k)));
            framesChecked_ += static_cast<int>(pending.size());
            pending.clear();
        }
        QVERIFY(pending.empty());
    }
}

void TestWireGolden::allFramesCovered() {
    // 58 frames in 13 scenarios (reference, "How it was checked").
    QCOMPARE(framesChecked_, 58);
}

QTEST_APPLESS_MAIN(TestWireGolden)
#include "test_wire_golden.moc"
