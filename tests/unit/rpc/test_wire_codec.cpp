// Wire codecs: round-trip properties over random payloads and block sizes (bounded count, fixed
// seed so a failure reproduces), the split rule's worked example, and rejection of bad frames.

#include <random>

#include "rpc/wire/block_codec.h"
#include "rpc/wire/crc32_checksum.h"
#include "rpc/wire/fragment_plan.h"
#include "rpc/wire/handshake_codec.h"
#include "rpc/wire/message_assembler.h"
#include "rpc/wire/message_encoder.h"
#include "rpc/wire/outer_framing.h"
#include "rpc_test_print.h"

using namespace meshx::rpc::wire;
using Event = MessageAssembler::Event;

namespace {

// Encodes a whole message into prefixed frames in wire order.
std::vector<Bytes> encodeMessage(uint8_t firstFlag, uint64_t blk, uint64_t reqRef,
                                 const std::string& connRef, const std::string& fn,
                                 const Bytes& payload, const Checksum* cks) {
    MessageEncoder enc(cks);
    std::vector<Bytes> frames;
    if (enc.begin(firstFlag, blk, reqRef, connRef, 0, fn, payload) != WireError::Ok)
        return frames;
    MessageEncoder::Block b;
    while (enc.next(b)) {
        Bytes f(b.head.begin(), b.head.end());
        f.insert(f.end(), b.data.begin(), b.data.end());
        f.insert(f.end(), b.trailer.begin(), b.trailer.end());
        frames.push_back(std::move(f));
    }
    return frames;
}

ByteView payloadOf(const Bytes& frame) {
    return ByteView(frame).subspan(kBlockPrefix);
}

}  // namespace

class TestWireCodec : public QObject {
    Q_OBJECT

  private slots:
    void minimalUnsigned();
    void crc32MatchesZlibExamples();
    void ceilingDivisionTowardPlusInfinity();
    void splitWorkedExample();
    void roundTripRandomPayloadsAndBlockSizes();
    void framesNeverExceedBlockByMoreThanOne();
    void headerTooLargeForBlockIsInvalidPktSize();
    void handshakeRoundTripAndChecks();
    void handshakeTruncatedAtEveryLength();
    void blockTruncatedAtEveryLength();
    void outerFramingLimits();
    void wrongConnRefAndReqRef();
    void seqMustCountDown();
    void reusedAssemblerNeverLeaksEarlierBytes();
    void blocksCutOtherwiseStillAssemble();
    void badAndPaddedChecksumRejected();
    void missingChecksumRejectedWhenOn();
    void unknownFlagsRejected();
    void messageSizeBounded();
};

void TestWireCodec::minimalUnsigned() {
    std::string out;
    appendMinimalUnsigned(0, out);
    QCOMPARE(out, std::string("\x00", 1));
    out.clear();
    appendMinimalUnsigned(0x12c5a3, out);
    QCOMPARE(out, std::string("\x12\xc5\xa3"));
    out.clear();
    appendMinimalUnsigned(0x7c78890b, out);
    QCOMPARE(out.size(), size_t(4));
}

void TestWireCodec::crc32MatchesZlibExamples() {
    // MeshxRpc's own doc example: checksum("test") = <<216, 127, 126, 12>>.
    QCOMPARE(Crc32Checksum::instance().sum({asBytes("test")}), std::string("\xd8\x7f\x7e\x0c"));
    // Split input gives the same CRC as joined input.
    QCOMPARE(Crc32Checksum::crc({asBytes("te"), asBytes("st")}),
             Crc32Checksum::crc({asBytes("test")}));
}

void TestWireCodec::ceilingDivisionTowardPlusInfinity() {
    QCOMPARE(ceilDiv(-7, 3), int64_t(-2));
    QCOMPARE(ceilDiv(-1, 3), int64_t(0));
    QCOMPARE(ceilDiv(7, 3), int64_t(3));
    QCOMPARE(ceilDiv(6, 3), int64_t(2));
}

void TestWireCodec::splitWorkedExample() {
    // Reference §5.4, call_40k: B=16384, C=4, N=40000.
    FragmentPlan req;
    QCOMPARE_WIRE(planFragments(true, 16384, 40000, 4, 4, req), WireError::Ok);
    QCOMPARE(req.count, uint64_t(3));
    QCOMPARE(req.size(1), uint64_t(13335));
    QCOMPARE(req.size(2), uint64_t(13334));
    QCOMPARE(req.size(3), uint64_t(13331));
    FragmentPlan rsp;
    QCOMPARE_WIRE(planFragments(false, 16384, 40000, 4, 0, rsp), WireError::Ok);
    QCOMPARE(rsp.size(1), uint64_t(13339));
    QCOMPARE(rsp.size(2), uint64_t(13332));
    QCOMPARE(rsp.size(3), uint64_t(13329));
}

void TestWireCodec::roundTripRandomPayloadsAndBlockSizes() {
    std::mt19937_64 rng(0x5eed);
    const Checksum& crc = Crc32Checksum::instance();
    int multiBlock = 0;
    for (int iter = 0; iter < 400; ++iter) {
        const uint64_t blk = 200 + rng() % 5000;
        const size_t n = iter % 50 == 0 ? 0 : rng() % 60000;
        std::string connRef(1 + rng() % 40, 'c');
        for (char& ch : connRef)
            ch = static_cast<char>(rng());
        const std::string fn = "fn" + std::to_string(rng() % 100000);
        Bytes payload(n);
        for (auto& byte : payload)
            byte = static_cast<uint8_t>(rng());
        const Checksum* cks = iter % 2 ? &crc : nullptr;
        const uint8_t firstFlag = iter % 3 == 0   ? flag::kReplyFirst
                                  : iter % 3 == 1 ? flag::kCallFirst
                                                  : flag::kCastFirst;
        const uint64_t reqRef = rng();
        auto frames = encodeMessage(firstFlag, blk, reqRef, connRef, fn, payload, cks);
        QVERIFY(!frames.empty());
        if (frames.size() > 1)
            ++multiBlock;

        const bool toServer = firstFlag != flag::kReplyFirst;
        MessageAssembler rx(
            toServer ? MessageAssembler::Role::Server : MessageAssembler::Role::Client, cks,
            1u << 30);
        rx.setPeerConnRef(connRef);
        if (!toServer)
            rx.expectReply(reqRef);
        for (size_t i = 0; i < frames.size(); ++i) {
            Event ev{};
            QCOMPARE_WIRE(rx.feed(payloadOf(frames[i]), ev), WireError::Ok);
            QCOMPARE(ev == Event::Message, i + 1 == frames.size());
        }
        Bytes out;
        rx.takeData(out);
        QVERIFY(out == payload);
        QCOMPARE(rx.reqRef(), reqRef);
        QCOMPARE(rx.finalFlag(), firstFlag);
        if (toServer)
            QCOMPARE(rx.funName(), fn);
    }
    QVERIFY(multiBlock > 100);  // the property really exercised splitting
}

void TestWireCodec::framesNeverExceedBlockByMoreThanOne() {
    // Reference §5.4: a block frame (without trailer) is at most blk_max_size + 1 bytes.
    for (uint64_t n = 1; n <= 6000; n += 7) {
        for (const std::string fn : {"echo", "a_long_function_name"}) {
            FragmentPlan p;
            QCOMPARE_WIRE(planFragments(true, 200, n, 4, fn.size(), p), WireError::Ok);
            uint64_t sum = 0;
            for (uint64_t s = 1; s <= p.count; ++s) {
                QVERIFY(p.size(s) > 0 || n == 0);
                const uint64_t head = s == 1 ? 21 + 4 + fn.size() : 26 + 4;
                QVERIFY2(head + p.size(s) <= 201, qPrintable(QString("n=%1 seq=%2").arg(n).arg(s)));
                sum += p.size(s);
            }
            QCOMPARE(sum, n);
        }
    }
}

void TestWireCodec::headerTooLargeForBlockIsInvalidPktSize() {
    FragmentPlan p;
    QCOMPARE_WIRE(planFragments(true, 200, 10, 4, 200, p), WireError::InvalidPktSize);
    QCOMPARE_WIRE(planFragments(false, 200, 10, 180, 0, p), WireError::InvalidPktSize);
    QCOMPARE(toString(WireError::InvalidPktSize), std::string_view("invalid_pkt_size"));
}

void TestWireCodec::handshakeRoundTripAndChecks() {
    const Checksum& crc = Crc32Checksum::instance();
    Handshake h;
    h.hskRef = 42;
    h.connRef = "\x01\x02\x03";
    h.svcRef = "svc";
    h.nodeRef = "node@host";
    Bytes wire = encodeHandshake(h, "key", crc);
    Handshake d;
    QCOMPARE_WIRE(decodeHandshake(wire, d), WireError::Ok);
    QCOMPARE(d.hskRef, uint64_t(42));
    QCOMPARE(d.connRef, h.connRef);
    QCOMPARE(d.nodeRef, h.nodeRef);
    QCOMPARE_WIRE(verifyHandshake(wire, d, kDefaultBlkMaxSize, "key", crc), WireError::Ok);
    QCOMPARE_WIRE(verifyHandshake(wire, d, kDefaultBlkMaxSize, "other", crc),
                  WireError::InvalidDigest);
    QCOMPARE_WIRE(verifyHandshake(wire, d, 8192, "key", crc), WireError::InvalidHskParams);
    Bytes badVersion = wire;
    badVersion[1 + 8 + 1 + 3] = 2;
    QCOMPARE_WIRE(decodeHandshake(badVersion, d), WireError::Ok);
    QCOMPARE_WIRE(verifyHandshake(badVersion, d, kDefaultBlkMaxSize, "key", crc),
                  WireError::InvalidHskParams);
    // A digest zero-padded to more bytes than the minimal form is refused (compared as bytes).
    Bytes padded(wire.begin(), wire.end() - static_cast<long>(d.digest.size()));
    padded.push_back(0);
    padded.insert(padded.end(), d.digest.begin(), d.digest.end());
    QCOMPARE_WIRE(decodeHandshake(padded, d), WireError::Ok);
    QCOMPARE_WIRE(verifyHandshake(padded, d, kDefaultBlkMaxSize, "key", crc),
                  WireError::InvalidDigest);
    std::string text;
    QCOMPARE_WIRE(decodeHandshakeError(encodeHandshakeError(std::string(300, 'x')), text),
                  WireError::Ok);
    QCOMPARE(text.size(), size_t(256));
}

void TestWireCodec::handshakeTruncatedAtEveryLength() {
    Handshake h;
    h.connRef = "abcd";
    h.svcRef = "s";
    h.nodeRef = "n";
    Bytes wire = encodeHandshake(h, "", Crc32Checksum::instance());
    const size_t header = 1 + 8 + 5 + 1 + 8 + 2 + 2;
    for (size_t len = 0; len < header; ++len) {
        Handshake d;
        QCOMPARE_WIRE(decodeHandshake(ByteView(wire).first(len), d), WireError::InvalidHskParams);
    }
}

void TestWireCodec::blockTruncatedAtEveryLength() {
    BlockHeader h;
    h.flag = flag::kCallOther;
    h.reqRef = 9;
    h.connRef = "ref";
    h.seq = 2;
    const Bytes data(50, 7);
    Bytes wire = encodeBlock(h, data, &Crc32Checksum::instance());
    for (size_t len = 1; len < wire.size(); ++len) {
        BlockFrame f;
        const WireError e = decodeFrame(ByteView(wire).first(len), f);
        // Cutting exactly after the data is a valid frame without checksum; anything else is not.
        if (len == 1 + 8 + 4 + 8 + 8 + 50) {
            QCOMPARE_WIRE(e, WireError::Ok);
        } else {
            QVERIFY2(e == WireError::Truncated || e == WireError::BadTrailer,
                     qPrintable(QString::number(len)));
        }
    }
    // A data length larger than the bytes present.
    Bytes lying = wire;
    storeBe(lying.data() + 1 + 8 + 4 + 8, 0xffffffffffULL, 8);
    BlockFrame f;
    QCOMPARE_WIRE(decodeFrame(lying, f), WireError::Truncated);
}

void TestWireCodec::outerFramingLimits() {
    Bytes buf = {0x00, 0x00, 0x00, 0x05, 1, 2, 3};
    FrameSlice s;
    QCOMPARE_WIRE(sliceFrame(buf, 4, 100, s), WireError::Ok);
    QVERIFY(!s.complete);
    QCOMPARE(s.needed, size_t(9));
    QCOMPARE_WIRE(sliceFrame(buf, 4, 4, s), WireError::FrameTooLarge);
    Bytes huge = {0xff, 0xff, 0xff, 0xff};
    QCOMPARE_WIRE(sliceFrame(huge, 4, 1 << 20, s), WireError::FrameTooLarge);
    Bytes zero = {0x00, 0x00};
    QCOMPARE_WIRE(sliceFrame(zero, 2, 100, s), WireError::EmptyFrame);
}

void TestWireCodec::wrongConnRefAndReqRef() {
    const Bytes payload(1000, 1);
    auto frames = encodeMessage(flag::kCallFirst, 300, 5, "good", "echo", payload, nullptr);
    QVERIFY(frames.size() > 2);
    {
        MessageAssembler rx(MessageAssembler::Role::Server, nullptr, 1u << 20);
        rx.setPeerConnRef("othr");
        Event ev{};
        QCOMPARE_WIRE(rx.feed(payloadOf(frames[0]), ev), WireError::InvalidRef);
    }
    {
        auto other = encodeMessage(flag::kCallFirst, 300, 6, "good", "echo", payload, nullptr);
        MessageAssembler rx(MessageAssembler::Role::Server, nullptr, 1u << 20);
        rx.setPeerConnRef("good");
        Event ev{};
        QCOMPARE_WIRE(rx.feed(payloadOf(frames[0]), ev), WireError::Ok);
        QCOMPARE_WIRE(rx.feed(payloadOf(other[1]), ev),
                      WireError::InvalidRef);  // req_ref changed midway
    }
    {
        auto reply = encodeMessage(flag::kReplyFirst, 300, 77, "srv", "", Bytes(10, 2), nullptr);
        MessageAssembler rx(MessageAssembler::Role::Client, nullptr, 1u << 20);
        rx.setPeerConnRef("srv");
        rx.expectReply(78);
        Event ev{};
        QCOMPARE_WIRE(rx.feed(payloadOf(reply[0]), ev), WireError::InvalidRef);
        rx.expectReply(77);
        QCOMPARE_WIRE(rx.feed(payloadOf(reply[0]), ev), WireError::Ok);
        QVERIFY(ev == Event::Message);
        // Nothing outstanding any more: a repeated reply is refused.
        QCOMPARE_WIRE(rx.feed(payloadOf(reply[0]), ev), WireError::InvalidRef);
    }
}

void TestWireCodec::seqMustCountDown() {
    const Bytes payload(1000, 1);
    auto frames = encodeMessage(flag::kCallFirst, 300, 5, "c", "echo", payload, nullptr);
    QVERIFY(frames.size() >= 4);
    MessageAssembler rx(MessageAssembler::Role::Server, nullptr, 1u << 20);
    rx.setPeerConnRef("c");
    Event ev{};
    QCOMPARE_WIRE(rx.feed(payloadOf(frames[0]), ev), WireError::Ok);
    QCOMPARE_WIRE(rx.feed(payloadOf(frames[2]), ev), WireError::InvalidRef);  // skipped one
    MessageAssembler rx2(MessageAssembler::Role::Server, nullptr, 1u << 20);
    rx2.setPeerConnRef("c");
    QCOMPARE_WIRE(rx2.feed(payloadOf(frames[0]), ev), WireError::Ok);
    QCOMPARE_WIRE(rx2.feed(payloadOf(frames.back()), ev),
                  WireError::InvalidRef);  // seq 1 too early
}

void TestWireCodec::reusedAssemblerNeverLeaksEarlierBytes() {
    // One assembler per connection places every message's data in a buffer it reuses (and trades
    // with the caller's previous one): a message must come out with exactly its own bytes after
    // larger and smaller ones, whether the size predicted from its first two blocks was right
    // (replies, requests repeating a function name) or not (a new name length).
    std::mt19937_64 rng(0xb10c);
    const Checksum& crc = Crc32Checksum::instance();
    for (const uint64_t blk : {uint64_t(300), uint64_t(1000), uint64_t(16384)}) {
        for (const bool toServer : {true, false}) {
            MessageAssembler rx(
                toServer ? MessageAssembler::Role::Server : MessageAssembler::Role::Client, &crc,
                1u << 30);
            rx.setPeerConnRef("conn");
            Bytes out;  // reused like the server's argument buffer
            const size_t sizes[] = {200000, 5000, 0, 70000, 1, 70000, 3 * blk, 150000, 10, 999};
            int i = 0;
            for (const size_t n : sizes) {
                Bytes payload(n);
                for (auto& byte : payload)
                    byte = static_cast<uint8_t>(rng());
                const std::string fn = i % 3 == 0 ? "echo" : std::string(1 + rng() % 60, 'f');
                const uint64_t reqRef = 100 + static_cast<uint64_t>(i++);
                auto frames = encodeMessage(toServer ? flag::kCallFirst : flag::kReplyFirst, blk,
                                            reqRef, "conn", fn, payload, &crc);
                QVERIFY(!frames.empty());
                if (!toServer)
                    rx.expectReply(reqRef);
                Event ev{};
                for (const Bytes& f : frames)
                    QCOMPARE_WIRE(rx.feed(payloadOf(f), ev), WireError::Ok);
                QVERIFY(ev == Event::Message);
                if (i % 2 == 0)
                    out.clear();  // sometimes a fresh (empty) buffer, like a client's reply
                rx.takeData(out);
                QCOMPARE(out.size(), payload.size());
                QVERIFY2(
                    out == payload,
                    qPrintable(
                        QStringLiteral("blk %1 size %2 server %3").arg(blk).arg(n).arg(toServer)));
            }
        }
    }
}

void TestWireCodec::blocksCutOtherwiseStillAssemble() {
    // Another sender may cut a payload into blocks of any sizes (the receiver only checks that
    // seq counts down): smaller and larger blocks than the plan predicts, empty ones, a huge
    // announced seq. The data must still come out whole and in order, on a reused assembler.
    for (const bool toServer : {true, false}) {
        MessageAssembler rx(
            toServer ? MessageAssembler::Role::Server : MessageAssembler::Role::Client, nullptr,
            1u << 24);
        rx.setPeerConnRef("c");
        Bytes out;
        const std::vector<std::vector<size_t>> cuts = {
            {700, 3, 500, 10},      // cut[s - 1] = bytes of seq s: seq 1 700, seq 4 10
            {10, 500, 500, 500},    // seq 1 smaller than predicted
            {5000, 100, 100, 100},  // seq 1 much larger than predicted
            {0, 0, 7, 0},           // empty blocks
            {1, 2},                 // two blocks
            {9, 9, 9, 9, 9, 9, 9},  // a request whose name length differs from the last
        };
        uint64_t reqRef = 1;
        uint8_t fill = 1;
        for (const auto& cut : cuts) {
            Bytes payload;
            for (const size_t n : cut) {
                for (size_t k = 0; k < n; ++k)
                    payload.push_back(fill++);
            }
            if (!toServer)
                rx.expectReply(reqRef);
            // Blocks go highest seq first; seq s holds cut[s - 1] bytes at its payload offset.
            size_t offsetOfSeq = payload.size();
            Event ev{};
            for (size_t seq = cut.size(); seq >= 1; --seq) {
                offsetOfSeq -= cut[seq - 1];
                BlockHeader h;
                h.flag = seq == 1 ? (toServer ? flag::kCallFirst : flag::kReplyFirst)
                                  : (toServer ? flag::kCallOther : flag::kReplyOther);
                h.reqRef = reqRef;
                h.connRef = "c";
                h.seq = seq;
                h.funName = reqRef % 2 ? "f" : "a_longer_name";
                const ByteView data = ByteView(payload).subspan(offsetOfSeq, cut[seq - 1]);
                QCOMPARE_WIRE(rx.feed(encodeBlock(h, data, nullptr), ev), WireError::Ok);
            }
            QVERIFY(ev == Event::Message);
            rx.takeData(out);
            QVERIFY2(out == payload, qPrintable(QStringLiteral("cut %1").arg(reqRef)));
            ++reqRef;
        }
        // A peer that announces a huge seq and sends little: refused by the size bound or
        // waiting for more, never a crash or an allocation of the announced size.
        BlockHeader h;
        h.flag = toServer ? flag::kCallOther : flag::kReplyOther;
        h.reqRef = reqRef;
        h.connRef = "c";
        if (!toServer)
            rx.expectReply(reqRef);
        Event ev{};
        h.seq = uint64_t(1) << 62;
        QCOMPARE_WIRE(rx.feed(encodeBlock(h, Bytes(100, 1), nullptr), ev), WireError::Ok);
        h.seq -= 1;
        QCOMPARE_WIRE(rx.feed(encodeBlock(h, Bytes(100, 2), nullptr), ev), WireError::Ok);
        QVERIFY(ev == Event::NeedMore);
    }
}

void TestWireCodec::badAndPaddedChecksumRejected() {
    const Checksum& crc = Crc32Checksum::instance();
    auto frames = encodeMessage(flag::kCallFirst, 16384, 5, "c", "echo", Bytes(100, 3), &crc);
    QCOMPARE(frames.size(), size_t(1));
    MessageAssembler rx(MessageAssembler::Role::Server, &crc, 1u << 20);
    rx.setPeerConnRef("c");
    Event ev{};
    Bytes bad = frames[0];
    bad.back() ^= 0x01;
    QCOMPARE_WIRE(rx.feed(payloadOf(bad), ev), WireError::InvalidCks);
    QCOMPARE(toString(WireError::InvalidCks), std::string_view("invalid_cks"));
    // The same CRC zero-padded by one byte is refused too (compared as bytes, §6).
    Bytes padded = frames[0];
    const size_t cksLen = Crc32Checksum::instance()
                              .sum({payloadOf(frames[0]).first(payloadOf(frames[0]).size() - 4)})
                              .size();
    padded.insert(padded.end() - static_cast<long>(cksLen), 0);
    MessageAssembler rx2(MessageAssembler::Role::Server, &crc, 1u << 20);
    rx2.setPeerConnRef("c");
    QCOMPARE_WIRE(rx2.feed(payloadOf(padded), ev), WireError::InvalidCks);
}

void TestWireCodec::missingChecksumRejectedWhenOn() {
    const Checksum& crc = Crc32Checksum::instance();
    auto frames = encodeMessage(flag::kCallFirst, 16384, 5, "c", "echo", Bytes(100, 3), nullptr);
    MessageAssembler rx(MessageAssembler::Role::Server, &crc, 1u << 20);
    rx.setPeerConnRef("c");
    Event ev{};
    QCOMPARE_WIRE(rx.feed(payloadOf(frames[0]), ev), WireError::InvalidCks);
}

void TestWireCodec::unknownFlagsRejected() {
    MessageAssembler server(MessageAssembler::Role::Server, nullptr, 1u << 20);
    server.setPeerConnRef("c");
    Event ev{};
    Bytes unknown = {0x99, 0, 0, 0, 0, 0, 0, 0, 1, 1, 'c'};
    QCOMPARE_WIRE(server.feed(unknown, ev), WireError::UnknownFlag);
    // A reply flag sent to a server is as unknown as a garbage flag.
    Bytes ack = encodeCastAck(1, "c");
    QCOMPARE_WIRE(server.feed(ack, ev), WireError::UnknownFlag);
    Bytes ackLong = ack;
    ackLong.push_back(0);
    BlockFrame f;
    QCOMPARE_WIRE(decodeFrame(ackLong, f), WireError::TrailingBytes);
    Handshake h;
    QCOMPARE_WIRE(decodeHandshake(unknown, h), WireError::UnknownFlag);
}

void TestWireCodec::messageSizeBounded() {
    // A peer that keeps sending blocks of one message is cut off at the configured bound.
    MessageAssembler rx(MessageAssembler::Role::Server, nullptr, 4096);
    rx.setPeerConnRef("c");
    Event ev{};
    WireError e = WireError::Ok;
    int sent = 0;
    for (uint64_t seq = 1000000; seq > 2 && e == WireError::Ok && sent < 1000; --seq, ++sent) {
        BlockHeader h;
        h.flag = flag::kCallOther;
        h.reqRef = 1;
        h.connRef = "c";
        h.seq = seq;
        e = rx.feed(encodeBlock(h, Bytes(100, 0), nullptr), ev);
    }
    QCOMPARE_WIRE(e, WireError::FrameTooLarge);
    QVERIFY(sent < 50);
}

QTEST_APPLESS_MAIN(TestWireCodec)
#include "test_wire_codec.moc"
