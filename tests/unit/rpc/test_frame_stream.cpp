// FrameStream reads over a real socket pair: frames of every size from 1 byte to 16 times the
// 64 KiB read buffer, sent back to back so reads fill the buffer, frames straddle its end (and
// are compacted to its front) and large ones grow it, then small frames again. Every frame must
// come out whole, in order, with its own bytes (none of the frame before it).

#include <sys/socket.h>
#include <unistd.h>

#include <random>
#include <thread>
#include <vector>

#include "meshx_test.h"
#include "rpc/transport/frame_stream.h"
#include "rpc/wire/outer_framing.h"

using namespace meshx::rpc;

class TestFrameStream : public QObject {
    Q_OBJECT

  private slots:
    void framesSurviveBufferGrowth();
};

void TestFrameStream::framesSurviveBufferGrowth() {
    int fds[2];
    QCOMPARE(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    std::mt19937 rng(0xf5a3);
    std::vector<size_t> sizes;
    for (size_t n : {1, 100, 70000, 1 << 20, 300000, 5, 16400, 200000, 900000, 64 * 1024, 3}) {
        sizes.push_back(n);
    }
    for (int i = 0; i < 200; ++i)
        sizes.push_back(1 + rng() % 40000);  // bulk of mid-size frames: reads fill the buffer
    for (int i = 0; i < 50; ++i)
        sizes.push_back(1 + rng() % 100);
    // Frame i is filled with bytes derived from i, so a frame carrying bytes of another shows.
    auto byteOf = [](size_t frame, size_t k) { return static_cast<uint8_t>(frame * 31 + k * 7); };

    std::thread writer([&] {
        transport::FrameStream out(fds[1]);
        for (size_t i = 0; i < sizes.size(); ++i) {
            wire::Bytes payload(sizes[i]);
            for (size_t k = 0; k < payload.size(); ++k)
                payload[k] = byteOf(i, k);
            if (!out.writeFrame(wire::kBlockPrefix, payload, transport::kNoDeadline).ok())
                return;
        }
    });
    transport::FrameStream in(fds[0]);
    // A failed check returns early: wake the writer (EPIPE) and join it before the stream goes.
    struct JoinOnExit {
        std::thread& thread;
        transport::FrameStream& stream;
        ~JoinOnExit() {
            stream.shutdown();
            if (thread.joinable())
                thread.join();
        }
    } joinOnExit{writer, in};
    const auto deadline = transport::Clock::now() + std::chrono::seconds(60);
    size_t bad = 0;
    for (size_t i = 0; i < sizes.size(); ++i) {
        wire::ByteView payload;
        const transport::IoResult r = in.readFrame(wire::kBlockPrefix, 2u << 20, deadline, payload);
        QVERIFY2(r.ok(), qPrintable(QStringLiteral("frame %1").arg(i)));
        QCOMPARE(payload.size(), sizes[i]);
        for (size_t k = 0; k < payload.size(); ++k)
            bad += payload[k] != byteOf(i, k) ? 1 : 0;
        QCOMPARE(bad, size_t(0));
    }
    QCOMPARE(in.buffered(), size_t(0));
}

QTEST_APPLESS_MAIN(TestFrameStream)
#include "test_frame_stream.moc"
