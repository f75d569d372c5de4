#include "meshx_test.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "common/mesh_config.h"
#include "mesh/port_allocator.h"

using meshx::Code;
using meshx::mesh::PortAllocator;
using Dir = meshx::mesh::PortAllocator::Direction;

namespace {

// A listening socket held for the test's duration: a port "in use" for real.
class HeldPort {
  public:
    HeldPort(const std::string& ip, uint16_t port) {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        const int one = 1;
        ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        sa.sin_port = htons(port);
        ::inet_pton(AF_INET, ip.c_str(), &sa.sin_addr);
        ok_ = ::bind(fd_, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) == 0 &&
              ::listen(fd_, 4) == 0;
    }
    ~HeldPort() { ::close(fd_); }
    HeldPort(const HeldPort&) = delete;
    HeldPort& operator=(const HeldPort&) = delete;
    bool ok() const { return ok_; }

  private:
    int fd_ = -1;
    bool ok_ = false;
};

bool bindable(const std::string& ip, uint16_t port) {
    HeldPort h(ip, port);
    return h.ok();
}

// A loopback address of our own (Linux routes all of 127/8 locally) and a run of ports on it
// that are free right now, so parallel tests binding 127.0.0.1 cannot disturb the assertions.
struct Range {
    std::string ip;
    uint16_t min = 0;
    uint16_t max = 0;
};

Range freeRange(uint16_t width) {
    const auto seed =
        static_cast<unsigned>(::getpid()) ^
        static_cast<unsigned>(std::chrono::steady_clock::now().time_since_epoch().count());
    const std::string ip = "127.77." + std::to_string(seed % 250 + 1) + ".1";
    for (unsigned attempt = 0; attempt < 50; ++attempt) {
        // Below the usual ephemeral range (32768+) so outgoing connections do not collide.
        const auto base = static_cast<uint16_t>(20000 + (seed / 7 + attempt * 997) % 10000);
        bool allFree = true;
        for (uint16_t p = base; p < base + width && allFree; ++p) {
            allFree = bindable(ip, p);
        }
        if (allFree) {
            return {ip, base, static_cast<uint16_t>(base + width - 1)};
        }
    }
    return {};
}

}  // namespace

class TestPortAllocator : public QObject {
    Q_OBJECT

  private slots:
    void rejectsBadConfiguration() {
        auto a = PortAllocator::create("not-an-ip", 1024, 2000);
        QVERIFY(!a.ok());
        QCOMPARE(a.error().code, Code::InvalidArgument);
        QVERIFY(a.error().message.find("not-an-ip") != std::string::npos);

        auto b = PortAllocator::create("127.0.0.1", 3000, 2000);
        QVERIFY(!b.ok());
        QCOMPARE(b.error().code, Code::InvalidArgument);

        auto c = PortAllocator::create("127.0.0.1", 0, 2000);
        QVERIFY(!c.ok());
        QCOMPARE(c.error().code, Code::InvalidArgument);

        // TEST-NET-1: a valid address that belongs to no host here.
        auto d = PortAllocator::create("192.0.2.1", 20000, 20010);
        QVERIFY(!d.ok());
        QCOMPARE(d.error().code, Code::InvalidArgument);
    }

    void defaultsFromConfig() {
        meshx::MeshConfig config;
        auto a = PortAllocator::fromConfig(config);
        QVERIFY(a.ok());
        QCOMPARE((*a)->ip(), std::string("127.0.0.1"));
        QCOMPARE((*a)->min(), uint16_t(1024));
        QCOMPARE((*a)->max(), uint16_t(65535));
    }

    void servicesAscendUpstreamsDescendAndResume() {
        Range r = freeRange(10);
        QVERIFY2(r.min != 0, "no free port range found");
        auto a = PortAllocator::create(r.ip, r.min, r.max);
        QVERIFY(a.ok());
        auto& alloc = **a;
        QCOMPARE(*alloc.allocate(Dir::Up), r.min);
        QCOMPARE(*alloc.allocate(Dir::Up), uint16_t(r.min + 1));
        QCOMPARE(*alloc.allocate(Dir::Down), r.max);
        QCOMPARE(*alloc.allocate(Dir::Down), uint16_t(r.max - 1));
        // Each direction resumes where it left off, not at its end of the range.
        QCOMPARE(*alloc.allocate(Dir::Up), uint16_t(r.min + 2));
        auto addr = alloc.allocateAddress(Dir::Down);
        QVERIFY(addr.ok());
        QCOMPARE(addr->toString(), "tcp://" + r.ip + ":" + std::to_string(r.max - 2));
    }

    void skipsPortsInUse() {
        Range r = freeRange(6);
        QVERIFY2(r.min != 0, "no free port range found");
        HeldPort low(r.ip, r.min);
        HeldPort high(r.ip, r.max);
        QVERIFY(low.ok() && high.ok());
        auto a = PortAllocator::create(r.ip, r.min, r.max);
        QVERIFY(a.ok());
        QCOMPARE(*(*a)->allocate(Dir::Up), uint16_t(r.min + 1));
        QCOMPARE(*(*a)->allocate(Dir::Down), uint16_t(r.max - 1));
    }

    void wrapsAroundWhenCursorsMeet() {
        Range r = freeRange(3);
        QVERIFY2(r.min != 0, "no free port range found");
        auto a = PortAllocator::create(r.ip, r.min, r.max);
        QVERIFY(a.ok());
        auto& alloc = **a;
        QCOMPARE(*alloc.allocate(Dir::Up), r.min);
        QCOMPARE(*alloc.allocate(Dir::Down), r.max);
        QCOMPARE(*alloc.allocate(Dir::Up), uint16_t(r.min + 1));
        // The lap is used up: a new one starts from the ends (the ports were never bound).
        QCOMPARE(*alloc.allocate(Dir::Up), r.min);
        QCOMPARE(*alloc.allocate(Dir::Down), r.max);
    }

    void wrapFindsFreePortBehindCursor() {
        Range r = freeRange(4);
        QVERIFY2(r.min != 0, "no free port range found");
        auto a = PortAllocator::create(r.ip, r.min, r.max);
        QVERIFY(a.ok());
        auto& alloc = **a;
        QCOMPARE(*alloc.allocate(Dir::Up), r.min);  // handed out, then not bound by anyone
        // Everything ahead of the cursor is busy: the only free port is behind it.
        HeldPort h1(r.ip, uint16_t(r.min + 1));
        HeldPort h2(r.ip, uint16_t(r.min + 2));
        HeldPort h3(r.ip, r.max);
        QVERIFY(h1.ok() && h2.ok() && h3.ok());
        QCOMPARE(*alloc.allocate(Dir::Up), r.min);
    }

    void exhaustionIsTypedError() {
        Range r = freeRange(3);
        QVERIFY2(r.min != 0, "no free port range found");
        std::vector<std::unique_ptr<HeldPort>> held;
        for (uint16_t p = r.min; p <= r.max; ++p) {
            held.push_back(std::make_unique<HeldPort>(r.ip, p));
            QVERIFY(held.back()->ok());
        }
        auto a = PortAllocator::create(r.ip, r.min, r.max);
        QVERIFY(a.ok());
        for (Dir d : {Dir::Up, Dir::Down}) {
            auto port = (*a)->allocate(d);
            QVERIFY(!port.ok());
            QCOMPARE(port.error().code, Code::PortRangeExhausted);
            QVERIFY(port.error().message.find(std::to_string(r.min)) != std::string::npos);
        }
        // Freeing one port makes it available again, whichever lap we are in.
        held[1].reset();
        QCOMPARE(*(*a)->allocate(Dir::Down), uint16_t(r.min + 1));
    }

    void concurrentCallersGetDistinctPorts() {
        constexpr int kThreads = 4;
        constexpr int kEach = 25;
        Range r = freeRange(kThreads * kEach * 2 + 10);
        QVERIFY2(r.min != 0, "no free port range found");
        auto a = PortAllocator::create(r.ip, r.min, r.max);
        QVERIFY(a.ok());
        auto& alloc = **a;
        std::mutex m;
        std::vector<uint16_t> got;
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back([&, t] {
                for (int i = 0; i < kEach; ++i) {
                    auto p = alloc.allocate(t % 2 == 0 ? Dir::Up : Dir::Down);
                    std::lock_guard lock(m);
                    got.push_back(p.ok() ? *p : 0);
                }
            });
        }
        for (auto& t : threads) {
            t.join();
        }
        QCOMPARE(got.size(), size_t(kThreads * kEach));
        QVERIFY(std::find(got.begin(), got.end(), 0) == got.end());
        QCOMPARE(std::set<uint16_t>(got.begin(), got.end()).size(), got.size());
    }
};

QTEST_APPLESS_MAIN(TestPortAllocator)
#include "test_port_allocator.moc"
