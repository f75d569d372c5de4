// The relay on each I/O backend: client -> web's upstream listener -> mTLS -> db's public
// listener -> echo app, two real Proxy loops and real sockets. Registered four times
// (CMakeLists): as is, where the loops must run on io_uring whenever this kernel lets a process
// create a ring; with MESHX_IO_BACKEND=epoll, the fallback asked for; and twice with
// MESHX_TEST_REFUSE_IO_URING=setup or =register, where this process first installs a seccomp
// filter that makes the kernel answer EPERM to io_uring_setup or io_uring_register (what
// container runtimes' default profiles do), so the fallback runs because the kernel refused the
// ring. Every run moves the same traffic: small messages, bulk, half-close, a slow reader, a reset
// mid-transfer, many connections at once.

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/io_uring.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <thread>

#include <QDeadlineTimer>
#include <QElapsedTimer>

#include "meshx_test.h"
#include "proxy/event_loop.h"
#include "proxy_test_support.h"
#include "test_certificates.h"
#include "test_sidecar.h"

using namespace meshx::proxy;
using namespace meshx::proxy::testing;

namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
#else
constexpr bool kSanitized = false;
#endif

const std::string kTrustDomain = "11111111-2222-3333-4444-555555555555.consul";

// "setup" or "register" when this run refuses that io_uring system call; empty otherwise.
std::string refusedCall() {
    const char* v = std::getenv("MESHX_TEST_REFUSE_IO_URING");
    return v == nullptr ? std::string() : std::string(v);
}

// Makes the kernel answer EPERM to one io_uring system call in every thread of this process,
// from now on (a seccomp filter cannot be removed). False when the filter was not taken.
bool refuseIoUringCall(const std::string& call) {
    const long nr = call == "setup" ? __NR_io_uring_setup : __NR_io_uring_register;
    sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, static_cast<uint32_t>(nr), 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    sock_fprog prog{static_cast<unsigned short>(std::size(filter)), filter};
    return ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 &&
           ::syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog) == 0;
}

// What the loops should pick here: epoll when asked for or when this run refuses the ring, else
// io_uring if this kernel (and its seccomp policy and io_uring_disabled) lets us create one.
std::string expectedBackend() {
    const char* wanted = std::getenv("MESHX_IO_BACKEND");
    if ((wanted != nullptr && std::strcmp(wanted, "epoll") == 0) || !refusedCall().empty()) {
        return "epoll";
    }
    io_uring_params params{};
    long fd = ::syscall(__NR_io_uring_setup, 4, &params);
    if (fd < 0) {
        qWarning("io_uring_setup refused here (%s): expecting the epoll fallback",
                 std::strerror(errno));
        return "epoll";
    }
    ::close(static_cast<int>(fd));
    return "io_uring";
}

long rssKiB() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("VmRSS:", 0) == 0) {
            return std::atol(line.c_str() + 6);
        }
    }
    return -1;
}

std::string pattern(size_t n, unsigned seed) {
    std::string s(n, '\0');
    for (size_t i = 0; i < n; ++i) {
        s[i] = static_cast<char>((i * 7 + i / 65536 + seed) & 0xff);
    }
    return s;
}

}  // namespace

class TestRingRelay : public QObject {
    Q_OBJECT

    std::unique_ptr<SidecarPair> pair_;
    int fdsBefore_ = 0;

    void waitIdle() {
        QTRY_COMPARE_WITH_TIMEOUT(pair_->web->proxy->sessionCount(), size_t(0), 20000);
        QTRY_COMPARE_WITH_TIMEOUT(pair_->db->proxy->sessionCount(), size_t(0), 20000);
    }

  private slots:
    void initTestCase() {
        const std::string call = refusedCall();
        if (!call.empty()) {
            QVERIFY2(call == "setup" || call == "register", call.c_str());
            if (!refuseIoUringCall(call)) {
                if (errno == EINVAL || errno == ENOSYS) {
                    QSKIP("this kernel has no seccomp filters: cannot make it refuse the ring");
                }
                QFAIL(std::strerror(errno));
            }
        }
    }

    void init() {
        fdsBefore_ = openFdCount();
        pair_ = std::make_unique<SidecarPair>(kTrustDomain);
        QVERIFY(pair_->dbPublic != 0);
        QVERIFY(pair_->upstream != 0);
    }
    void cleanup() { pair_.reset(); }

    void loopsRunOnTheExpectedBackend() {
        const std::string want = expectedBackend();
        // A loop decides when it starts running (the ring belongs to the loop thread).
        EventLoop loop;
        std::string seen;
        loop.post([&] {
            seen = loop.backendName();
            loop.quit();
        });
        std::thread runner([&] { loop.run(); });
        runner.join();
        QCOMPARE(seen, want);
        const std::string line = "ready to serve: io_backend=" + want;
        QTRY_VERIFY2(pair_->web->logs.contains(line), pair_->web->logs.all().c_str());
        QTRY_VERIFY2(pair_->db->logs.contains(line), pair_->db->logs.all().c_str());
        // A refused ring is a warning with the kernel's reason; a fallback asked for is not.
        const std::string call = refusedCall();
        const std::string warning = "io_uring unavailable, relaying with epoll";
        for (const auto* side : {pair_->web.get(), pair_->db.get()}) {
            if (call.empty()) {
                QVERIFY2(!side->logs.contains(warning), side->logs.all().c_str());
            } else {
                const std::string why =
                    (call == "setup" ? "io_uring_queue_init: " : "io_uring_register_buf_ring: ") +
                    std::string("Operation not permitted");
                QVERIFY2(side->logs.contains(warning), side->logs.all().c_str());
                QVERIFY2(side->logs.contains(why), side->logs.all().c_str());
            }
        }
    }

    void smallMessagesKeepTheirOrder() {
        int fd = connectTcp(pair_->upstream);
        QVERIFY(fd >= 0);
        for (int i = 0; i < 500; ++i) {
            std::string msg = "m" + std::to_string(i) + std::string(60, 'x');
            msg.resize(64);
            QVERIFY(sendAll(fd, msg));
            QCOMPARE(recvN(fd, 64, Ms(10000)), msg);
        }
        ::close(fd);
        waitIdle();
    }

    void bulkBothWaysAtOnce() {
        int fd = connectTcp(pair_->upstream);
        QVERIFY(fd >= 0);
        const std::string payload = pattern(16 * 1024 * 1024, 3);
        std::thread writer([&] {
            sendAll(fd, payload);
            ::shutdown(fd, SHUT_WR);
        });
        std::string echoed;
        bool eof = recvUntilEof(fd, Ms(90000), &echoed);
        writer.join();
        ::close(fd);
        QVERIFY(eof);
        QCOMPARE(echoed.size(), payload.size());
        QVERIFY(echoed == payload);
        waitIdle();
    }

    void halfCloseAfterPendingBytes() {
        int fd = connectTcp(pair_->upstream);
        QVERIFY(fd >= 0);
        // The FIN follows 1 MiB that is still on its way through both proxies: it must arrive
        // after the last byte, and the app's FIN must come back after its echo.
        const std::string payload = pattern(1024 * 1024, 5);
        QVERIFY(sendAll(fd, payload.substr(0, 512 * 1024)));
        std::thread writer([&] {
            sendAll(fd, payload.substr(512 * 1024));
            ::shutdown(fd, SHUT_WR);
        });
        std::string echoed;
        bool eof = recvUntilEof(fd, Ms(30000), &echoed);
        writer.join();
        ::close(fd);
        QVERIFY2(eof, (pair_->web->logs.all() + pair_->db->logs.all()).c_str());
        QVERIFY(echoed == payload);
        QTRY_COMPARE(pair_->app->closedConnections(), 1);
        waitIdle();
    }

    void slowReaderStallsTheWriterWithBoundedMemory() {
        int fd = connectTcp(pair_->upstream);
        QVERIFY(fd >= 0);
        const long rssBefore = rssKiB();
        // 128 MiB: more than every socket buffer on the path can hold (loopback autotuning lets
        // them reach tens of MiB here), so only a relay that buffers without bound takes it all.
        const std::string payload = pattern(128 * 1024 * 1024, 9);
        std::atomic<size_t> sent{0};
        std::thread writer([&] {
            size_t off = 0;
            while (off < payload.size()) {
                ssize_t n = ::send(fd, payload.data() + off,
                                   std::min<size_t>(65536, payload.size() - off), MSG_NOSIGNAL);
                if (n <= 0) {
                    break;  // the reset below ends the stall
                }
                off += static_cast<size_t>(n);
                sent = off;
            }
        });
        // Nobody reads the echo: every hop fills up and the writer stops. Progress stopping for
        // two seconds (within 60 s) is the stall.
        size_t last = 0;
        QDeadlineTimer deadline(60000);
        QElapsedTimer still;
        still.start();
        while (!deadline.hasExpired() && still.elapsed() < 2000) {
            QTest::qWait(100);
            if (sent.load() != last) {
                last = sent.load();
                still.restart();
            }
        }
        const size_t stalledAt = sent.load();
        const long growth = rssKiB() - rssBefore - static_cast<long>(payload.size() / 1024);
        // Ends the writer (its send fails) before any check can return early.
        linger reset{1, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
        ::shutdown(fd, SHUT_RDWR);
        writer.join();
        ::close(fd);
        QVERIFY2(stalledAt < payload.size(),
                 qPrintable(QString("writer was not stalled: %1 bytes sent").arg(stalledAt)));
        // Bytes in flight sit in kernel socket buffers, not in the proxies: their memory stays
        // within a few MiB whatever the writer offers.
        qInfo("RSS growth while stalled: %ld KiB", growth);
        if (!kSanitized) {  // ASan's quarantine keeps freed blocks resident: RSS says nothing
            QVERIFY2(growth < 24 * 1024, qPrintable(QString("RSS grew by %1 KiB").arg(growth)));
        }
        waitIdle();
        QCOMPARE(roundTrip(pair_->upstream, "after the stall"), std::string("after the stall"));
        waitIdle();
    }

    void peerResetMidTransfer() {
        int fd = connectTcp(pair_->upstream);
        QVERIFY(fd >= 0);
        QVERIFY(sendAll(fd, pattern(2 * 1024 * 1024, 1)));
        QVERIFY(!recvN(fd, 1000, Ms(10000)).empty());
        linger reset{1, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
        ::close(fd);  // RST with bytes still moving both ways
        waitIdle();
        QTRY_COMPARE_WITH_TIMEOUT(pair_->app->closedConnections(), 1, 20000);
        // The proxies are fine afterwards.
        QCOMPARE(roundTrip(pair_->upstream, "still there"), std::string("still there"));
        waitIdle();
    }

    void manyConnectionsAtOnce() {
        constexpr int kConnections = 48;
        std::vector<int> fds;
        for (int i = 0; i < kConnections; ++i) {
            int fd = connectTcp(pair_->upstream);
            QVERIFY(fd >= 0);
            fds.push_back(fd);
        }
        std::vector<std::string> payloads;
        for (int i = 0; i < kConnections; ++i) {
            payloads.push_back(
                pattern(static_cast<size_t>(64 + i * 4096), static_cast<unsigned>(i)));
            QVERIFY(sendAll(fds[static_cast<size_t>(i)], payloads.back()));
        }
        for (int i = 0; i < kConnections; ++i) {
            const auto& p = payloads[static_cast<size_t>(i)];
            QCOMPARE(recvN(fds[static_cast<size_t>(i)], p.size(), Ms(20000)), p);
        }
        for (int fd : fds) {
            ::close(fd);
        }
        waitIdle();
        QTRY_COMPARE_WITH_TIMEOUT(pair_->app->closedConnections(), kConnections, 20000);
    }

    void noDescriptorLeftBehind() {
        for (int i = 0; i < 20; ++i) {
            QCOMPARE(roundTrip(pair_->upstream, "x" + std::to_string(i)), "x" + std::to_string(i));
        }
        waitIdle();
        cleanup();
        // Relay sockets close after their last io_uring operation completed, not with their
        // session: once the proxies are gone every descriptor must be back.
        QTRY_COMPARE_WITH_TIMEOUT(openFdCount(), fdsBefore_, 10000);
    }
};

QTEST_GUILESS_MAIN(TestRingRelay)
#include "test_ring_relay.moc"
