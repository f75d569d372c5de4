#include "meshx_test.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <QTemporaryDir>

#include <algorithm>
#include <chrono>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "common/mesh_config.h"
#include "mesh/port_allocator.h"
#include "net/port_claim.h"

using meshx::Code;
namespace net = meshx::net;
using meshx::mesh::PortAllocator;
using meshx::net::PortClaim;
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

// Claims the next port and lets the claim go at once: the port number, for tests of the cursor
// walk (nobody binds the port afterwards, as if its program never started).
meshx::Result<uint16_t> take(PortAllocator& alloc, Dir d) {
    auto claim = alloc.claim(d);
    if (!claim) {
        return claim.error();
    }
    return (*claim)->port();
}

// A child process that claims `port` in `dir`, reports "1" (claimed) or "0" on `report`, then
// holds the claim until `hold` is closed or it is killed. Returns its pid.
pid_t claimInChild(const std::string& dir, const std::string& ip, uint16_t port, int report[2],
                   int hold[2]) {
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::close(report[0]);
        ::close(hold[1]);
        auto c = net::PortClaim::tryClaim(dir, meshx::net::Address::tcp(ip, port));
        const char ok = c.ok() && *c ? '1' : '0';
        (void)::write(report[1], &ok, 1);
        char byte = 0;
        (void)::read(hold[0], &byte, 1);  // returns when the parent closes its end
        ::_exit(0);
    }
    return pid;
}

}  // namespace

class TestPortAllocator : public QObject {
    Q_OBJECT

    QTemporaryDir claims_;
    // Claims of this test live in a directory of its own, so parallel tests cannot disturb them.
    std::string claimDir() const { return claims_.path().toStdString(); }

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
        auto a = PortAllocator::create(r.ip, r.min, r.max, claimDir());
        QVERIFY(a.ok());
        auto& alloc = **a;
        QCOMPARE(*take(alloc, Dir::Up), r.min);
        QCOMPARE(*take(alloc, Dir::Up), uint16_t(r.min + 1));
        QCOMPARE(*take(alloc, Dir::Down), r.max);
        QCOMPARE(*take(alloc, Dir::Down), uint16_t(r.max - 1));
        // Each direction resumes where it left off, not at its end of the range.
        QCOMPARE(*take(alloc, Dir::Up), uint16_t(r.min + 2));
        auto claim = alloc.claim(Dir::Down);
        QVERIFY(claim.ok() && *claim);
        QCOMPARE((*claim)->address().toString(), "tcp://" + r.ip + ":" + std::to_string(r.max - 2));
    }

    void skipsPortsInUse() {
        Range r = freeRange(6);
        QVERIFY2(r.min != 0, "no free port range found");
        HeldPort low(r.ip, r.min);
        HeldPort high(r.ip, r.max);
        QVERIFY(low.ok() && high.ok());
        auto a = PortAllocator::create(r.ip, r.min, r.max, claimDir());
        QVERIFY(a.ok());
        QCOMPARE(*take(**a, Dir::Up), uint16_t(r.min + 1));
        QCOMPARE(*take(**a, Dir::Down), uint16_t(r.max - 1));
    }

    void wrapsAroundWhenCursorsMeet() {
        Range r = freeRange(3);
        QVERIFY2(r.min != 0, "no free port range found");
        auto a = PortAllocator::create(r.ip, r.min, r.max, claimDir());
        QVERIFY(a.ok());
        auto& alloc = **a;
        QCOMPARE(*take(alloc, Dir::Up), r.min);
        QCOMPARE(*take(alloc, Dir::Down), r.max);
        QCOMPARE(*take(alloc, Dir::Up), uint16_t(r.min + 1));
        // The lap is used up: a new one starts from the ends (the ports were never bound).
        QCOMPARE(*take(alloc, Dir::Up), r.min);
        QCOMPARE(*take(alloc, Dir::Down), r.max);
    }

    void wrapFindsFreePortBehindCursor() {
        Range r = freeRange(4);
        QVERIFY2(r.min != 0, "no free port range found");
        auto a = PortAllocator::create(r.ip, r.min, r.max, claimDir());
        QVERIFY(a.ok());
        auto& alloc = **a;
        QCOMPARE(*take(alloc, Dir::Up), r.min);  // handed out, then not bound by anyone
        // Everything ahead of the cursor is busy: the only free port is behind it.
        HeldPort h1(r.ip, uint16_t(r.min + 1));
        HeldPort h2(r.ip, uint16_t(r.min + 2));
        HeldPort h3(r.ip, r.max);
        QVERIFY(h1.ok() && h2.ok() && h3.ok());
        QCOMPARE(*take(alloc, Dir::Up), r.min);
    }

    void exhaustionIsTypedError() {
        Range r = freeRange(3);
        QVERIFY2(r.min != 0, "no free port range found");
        std::vector<std::unique_ptr<HeldPort>> held;
        for (uint16_t p = r.min; p <= r.max; ++p) {
            held.push_back(std::make_unique<HeldPort>(r.ip, p));
            QVERIFY(held.back()->ok());
        }
        auto a = PortAllocator::create(r.ip, r.min, r.max, claimDir());
        QVERIFY(a.ok());
        for (Dir d : {Dir::Up, Dir::Down}) {
            auto port = take(**a, d);
            QVERIFY(!port.ok());
            QCOMPARE(port.error().code, Code::PortRangeExhausted);
            QVERIFY(port.error().message.find(std::to_string(r.min)) != std::string::npos);
        }
        // Freeing one port makes it available again, whichever lap we are in.
        held[1].reset();
        QCOMPARE(*take(**a, Dir::Down), uint16_t(r.min + 1));
    }

    void concurrentCallersGetDistinctPorts() {
        constexpr int kThreads = 4;
        constexpr int kEach = 25;
        Range r = freeRange(kThreads * kEach * 2 + 10);
        QVERIFY2(r.min != 0, "no free port range found");
        auto a = PortAllocator::create(r.ip, r.min, r.max, claimDir());
        QVERIFY(a.ok());
        auto& alloc = **a;
        std::mutex m;
        std::vector<std::unique_ptr<net::PortClaim>> got;
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back([&, t] {
                for (int i = 0; i < kEach; ++i) {
                    auto c = alloc.claim(t % 2 == 0 ? Dir::Up : Dir::Down);
                    std::lock_guard lock(m);
                    got.push_back(c.ok() ? std::move(*c) : nullptr);
                }
            });
        }
        for (auto& t : threads) {
            t.join();
        }
        QCOMPARE(got.size(), size_t(kThreads * kEach));
        std::set<uint16_t> ports;
        for (const auto& c : got) {
            QVERIFY(c != nullptr);
            ports.insert(c->port());
        }
        QCOMPARE(ports.size(), got.size());
    }

    void portsKnownToTheAgentAreSkipped() {
        Range r = freeRange(5);
        QVERIFY2(r.min != 0, "no free port range found");
        auto a = PortAllocator::create(r.ip, r.min, r.max, claimDir());
        QVERIFY(a.ok());
        // Registered but not listening (a service whose program has not started yet): free on
        // the machine, yet not to be handed out again.
        const std::set<uint16_t> known = {r.min, uint16_t(r.min + 1), r.max};
        auto up1 = (*a)->claim(Dir::Up, known);
        QVERIFY(up1.ok() && *up1);
        QCOMPARE((*up1)->port(), uint16_t(r.min + 2));
        auto down = (*a)->claim(Dir::Down, known);
        QVERIFY(down.ok() && *down);
        QCOMPARE((*down)->port(), uint16_t(r.max - 1));
        // Everything known or claimed: exhausted, with the reasons in the message.
        auto up = (*a)->claim(Dir::Up, {r.min, uint16_t(r.min + 1), uint16_t(r.min + 2), r.max});
        QVERIFY(!up.ok());
        QCOMPARE(up.error().code, Code::PortRangeExhausted);
        QVERIFY(up.error().message.find("known to the agent") != std::string::npos);
    }

    void aClaimHeldElsewhereInThisProcessIsSkippedUntilReleased() {
        Range r = freeRange(3);
        QVERIFY2(r.min != 0, "no free port range found");
        auto first = PortAllocator::create(r.ip, r.min, r.max, claimDir());
        auto second = PortAllocator::create(r.ip, r.min, r.max, claimDir());
        QVERIFY(first.ok() && second.ok());
        // Two engines in one process (a console and an embedded app): each has its own cursor
        // starting at min, so only the claim keeps them apart.
        auto held = (*first)->claim(Dir::Up);
        QVERIFY(held.ok() && *held);
        QCOMPARE((*held)->port(), r.min);
        auto other = (*second)->claim(Dir::Up);
        QVERIFY(other.ok() && *other);
        QCOMPARE((*other)->port(), uint16_t(r.min + 1));
        // A claim on a port that is held fails, and succeeds once the holder lets go.
        auto again = net::PortClaim::tryClaim(claimDir(), (*held)->address());
        QVERIFY(again.ok());
        QVERIFY(*again == nullptr);
        held->reset();
        again = net::PortClaim::tryClaim(claimDir(), net::Address::tcp(r.ip, r.min));
        QVERIFY(again.ok() && *again);
    }

    void aClaimOfAnotherProcessIsSkippedAndDiesWithIt() {
        Range r = freeRange(3);
        QVERIFY2(r.min != 0, "no free port range found");
        int report[2];
        int hold[2];
        QCOMPARE(::pipe(report), 0);
        QCOMPARE(::pipe(hold), 0);
        const pid_t child = claimInChild(claimDir(), r.ip, r.min, report, hold);
        QVERIFY(child > 0);
        ::close(report[1]);
        ::close(hold[0]);
        char ok = 0;
        QCOMPARE(::read(report[0], &ok, 1), ssize_t(1));
        QCOMPARE(ok, '1');

        auto a = PortAllocator::create(r.ip, r.min, r.max, claimDir());
        QVERIFY(a.ok());
        QCOMPARE(take(**a, Dir::Up).valueOr(0), uint16_t(r.min + 1));

        // SIGKILL leaves no chance to clean up: the kernel drops the lock with the process.
        ::kill(child, SIGKILL);
        int status = 0;
        QCOMPARE(::waitpid(child, &status, 0), child);
        ::close(report[0]);
        ::close(hold[1]);
        auto after = net::PortClaim::tryClaim(claimDir(), net::Address::tcp(r.ip, r.min));
        QVERIFY(after.ok() && *after);
    }

    void processesClaimingAtOnceGetDistinctPorts() {
        // Eight processes with their own allocators, released together: without the claim they
        // would all probe min free and take it.
        constexpr int kProcesses = 8;
        Range r = freeRange(kProcesses * 2);
        QVERIFY2(r.min != 0, "no free port range found");
        int go[2];
        int hold[2];
        int results[2];
        QCOMPARE(::pipe(go), 0);
        QCOMPARE(::pipe(hold), 0);
        QCOMPARE(::pipe(results), 0);
        std::vector<pid_t> children;
        for (int i = 0; i < kProcesses; ++i) {
            const pid_t pid = ::fork();
            if (pid == 0) {
                ::close(go[1]);
                ::close(hold[1]);
                ::close(results[0]);
                auto a = PortAllocator::create(r.ip, r.min, r.max, claimDir());
                char byte = 0;
                (void)::read(go[0], &byte, 1);  // the barrier: one write releases all of them
                uint16_t port = 0;
                std::unique_ptr<net::PortClaim> held;
                if (a.ok()) {
                    auto c = (*a)->claim(Dir::Up);
                    if (c.ok() && *c) {
                        held = std::move(*c);
                        port = held->port();
                    }
                }
                (void)::write(results[1], &port, sizeof port);
                (void)::read(hold[0], &byte, 1);  // hold the claim until the parent closes hold
                ::_exit(0);
            }
            QVERIFY(pid > 0);
            children.push_back(pid);
        }
        ::close(go[0]);
        ::close(hold[0]);
        ::close(results[1]);
        const std::string release(kProcesses, 'g');
        QCOMPARE(::write(go[1], release.data(), release.size()), ssize_t(release.size()));
        std::set<uint16_t> ports;
        for (int i = 0; i < kProcesses; ++i) {
            uint16_t port = 0;
            QCOMPARE(::read(results[0], &port, sizeof port), ssize_t(sizeof port));
            QVERIFY(port >= r.min && port <= r.max);
            ports.insert(port);
        }
        ::close(go[1]);
        ::close(hold[1]);
        ::close(results[0]);
        for (pid_t pid : children) {
            int status = 0;
            QCOMPARE(::waitpid(pid, &status, 0), pid);
        }
        QCOMPARE(ports.size(), size_t(kProcesses));
    }

    void unusableClaimDirectoryIsAnIoError() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const std::string file = dir.filePath(QStringLiteral("not-a-dir")).toStdString();
        QFile f(QString::fromStdString(file));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.close();
        auto c = net::PortClaim::tryClaim(file, net::Address::tcp("127.0.0.1", 20000));
        QVERIFY(!c.ok());
        QCOMPARE(c.error().code, Code::IoError);
        QVERIFY(c.error().message.find(file) != std::string::npos);
        // A symlink (someone else's trap in /tmp) is refused, not followed.
        const std::string link = dir.filePath(QStringLiteral("link")).toStdString();
        QCOMPARE(::symlink(dir.path().toStdString().c_str(), link.c_str()), 0);
        auto viaLink = net::PortClaim::tryClaim(link, net::Address::tcp("127.0.0.1", 20000));
        QVERIFY(!viaLink.ok());
        QCOMPARE(viaLink.error().code, Code::IoError);
    }

    void createdClaimDirectoryIsSharedWithEveryUser() {
        QTemporaryDir parent;
        QVERIFY(parent.isValid());
        const std::string dir = parent.filePath(QStringLiteral("claims")).toStdString();
        auto c = net::PortClaim::tryClaim(dir, net::Address::tcp("127.0.0.1", 20001));
        QVERIFY(c.ok() && *c);
        struct stat st {};
        QCOMPARE(::lstat(dir.c_str(), &st), 0);
        QCOMPARE(st.st_mode & 07777, mode_t(01777));
    }
};

QTEST_APPLESS_MAIN(TestPortAllocator)
#include "test_port_allocator.moc"
