// The real meshx-agent under hostile HTTP clients, over real sockets: garbage, bodies far over the
// cap (declared and chunked) that must not be buffered, and a thousand clients that send half a
// request and stall while others, including parked blocking queries, are still served.

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QTcpSocket>

#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <cerrno>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "agent_process.h"
#include "meshx_test.h"
#include "raw_http.h"

namespace {

constexpr uint64_t kMiB = 1024 * 1024;

// Under AddressSanitizer the agent's resident set says nothing about buffering: freed blocks sit
// in ASan's quarantine (256 MiB by default) instead of going back to the allocator. The sanitizer
// stage keeps every other assertion (413, answered before the end of the body, bytes sent) and
// leaves the memory bounds to the dev stage.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kMemoryBoundsMeaningful = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kMemoryBoundsMeaningful = false;
#else
constexpr bool kMemoryBoundsMeaningful = true;
#endif
#else
constexpr bool kMemoryBoundsMeaningful = true;
#endif

// A TCP client on plain POSIX sockets: the tests need a thousand of them, and writes that stop
// the moment an answer comes back.
class PosixClient {
  public:
    explicit PosixClient(uint16_t port) {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd_ < 0) {
            return;
        }
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
            ::close(fd_);
            fd_ = -1;
        }
    }
    ~PosixClient() {
        if (fd_ >= 0) {
            ::close(fd_);
        }
    }
    PosixClient(const PosixClient&) = delete;
    PosixClient& operator=(const PosixClient&) = delete;

    bool connected() const { return fd_ >= 0; }

    bool sendAll(const std::string& bytes) {
        size_t at = 0;
        while (at < bytes.size()) {
            const ssize_t n = ::send(fd_, bytes.data() + at, bytes.size() - at, MSG_NOSIGNAL);
            if (n <= 0) {
                return false;
            }
            at += static_cast<size_t>(n);
        }
        return true;
    }

    // Sends `head`, then body pieces from `nextPiece` (empty: no more) while reading; stops at
    // the first complete response. Returns the response (status 0 if none came within
    // `timeoutMs`) and counts the body bytes the server accepted before it answered.
    template <typename NextPiece>
    RawResponse streamUntilAnswered(const std::string& head, NextPiece nextPiece, int timeoutMs,
                                    uint64_t& bodyBytesSent) {
        RawResponse response;
        std::string in;
        std::string out = head;
        size_t outAt = 0;
        uint64_t sentTotal = 0;
        bool writing = true;
        QDeadlineTimer deadline(timeoutMs);
        while (!deadline.hasExpired()) {
            if (writing && outAt == out.size()) {
                out = nextPiece();
                outAt = 0;
                writing = !out.empty();
            }
            pollfd p{fd_, static_cast<short>(POLLIN | (writing ? POLLOUT : 0)), 0};
            if (::poll(&p, 1, static_cast<int>(std::min<qint64>(deadline.remainingTime(), 1000))) <
                0) {
                break;
            }
            if ((p.revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
                char buf[65536];
                const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
                if (n > 0) {
                    in.append(buf, static_cast<size_t>(n));
                    if (takeResponse(in, response)) {
                        break;
                    }
                } else if (n == 0 || errno != EAGAIN) {
                    break;  // closed or reset before a whole answer
                }
            }
            if (writing && (p.revents & POLLOUT) != 0) {
                const ssize_t n = ::send(fd_, out.data() + outAt, out.size() - outAt,
                                         MSG_NOSIGNAL | MSG_DONTWAIT);
                if (n > 0) {
                    outAt += static_cast<size_t>(n);
                    sentTotal += static_cast<uint64_t>(n);
                } else if (errno != EAGAIN) {
                    writing = false;  // the server closed its side; read what it said
                }
            }
        }
        bodyBytesSent = sentTotal > head.size() ? sentTotal - head.size() : 0;
        return response;
    }

    // Reads one response (status 0 if none within the deadline).
    RawResponse readResponse(int timeoutMs) {
        return streamUntilAnswered(
            std::string(), [] { return std::string(); }, timeoutMs, ignored_);
    }

  private:
    int fd_ = -1;
    uint64_t ignored_ = 0;
};

// VmHWM (peak resident set) or VmRSS of a process, in bytes; 0 if unreadable.
uint64_t procStatusBytes(qint64 pid, const char* field) {
    QFile f(QStringLiteral("/proc/%1/status").arg(pid));
    if (!f.open(QIODevice::ReadOnly)) {
        return 0;
    }
    for (const QByteArray& line : f.readAll().split('\n')) {
        if (line.startsWith(field)) {
            return line.mid(static_cast<int>(std::strlen(field)))
                       .trimmed()
                       .split(' ')
                       .at(0)
                       .toULongLong() *
                   1024;
        }
    }
    return 0;
}

int openFileCount(qint64 pid) {
    return static_cast<int>(QDir(QStringLiteral("/proc/%1/fd").arg(pid))
                                .entryList(QDir::NoDotAndDotDot | QDir::System)
                                .size());
}

uint16_t portOf(const AgentProcess& agent) {
    return static_cast<uint16_t>(agent.address().section(':', -1).toUInt());
}

// One request on a fresh connection.
RawResponse call(uint16_t port, const std::string& method, const std::string& target,
                 const std::string& body = {}, int timeoutMs = 15000) {
    QTcpSocket s;
    s.connectToHost(QStringLiteral("127.0.0.1"), port);
    if (!s.waitForConnected(timeoutMs)) {
        return {};
    }
    s.write((method + " " + target + " HTTP/1.1\r\nHost: x\r\nContent-Length: " +
             std::to_string(body.size()) + "\r\n\r\n" + body)
                .c_str());
    std::string buffer;
    return readResponses(s, buffer, 1, timeoutMs).front();
}

}  // namespace

class TestAgentHttpHostile : public QObject {
    Q_OBJECT

  private slots:
    void initTestCase() {
        // A thousand idle clients need a thousand descriptors here and in the agent, which
        // inherits this limit.
        rlimit lim{};
        QVERIFY(::getrlimit(RLIMIT_NOFILE, &lim) == 0);
        if (lim.rlim_cur < 4096 && lim.rlim_cur < lim.rlim_max) {
            lim.rlim_cur = std::min<rlim_t>(lim.rlim_max, 4096);
            QVERIFY(::setrlimit(RLIMIT_NOFILE, &lim) == 0);
        }
        fdLimit_ = lim.rlim_cur;
        QVERIFY2(agent_.start(), qPrintable(agent_.output() + agent_.errors()));
        port_ = portOf(agent_);
        pid_ = agent_.process().processId();
        QCOMPARE(call(port_, "GET", "/v1/agent/self").status, 200);
    }

    void randomGarbageGets400() {
        std::mt19937 rng(20261206);
        for (int i = 0; i < 25; ++i) {
            std::string garbage(64 + rng() % 960, '\0');
            for (char& c : garbage) {
                c = static_cast<char>(rng());
            }
            PosixClient c(port_);
            QVERIFY(c.connected());
            QVERIFY(c.sendAll(garbage + "\r\n\r\n"));
            const RawResponse r = c.readResponse(15000);
            QCOMPARE(r.status, 400);
            QCOMPARE(r.headers.at("connection"), std::string("close"));
        }
        QCOMPARE(call(port_, "GET", "/v1/agent/self").status, 200);
    }

    void declaredBodyOver64MiBIsDroppedNotBuffered() {
        // 80 MiB announced for a route capped at 8 MiB: the agent reads and drops up to 64 MiB,
        // then answers 413. Its peak memory must not grow by anything like the body.
        const uint64_t declared = 80 * kMiB;
        const uint64_t peakBefore = procStatusBytes(pid_, "VmHWM:");
        QVERIFY(peakBefore > 0);
        PosixClient c(port_);
        QVERIFY(c.connected());
        const std::string piece(256 * 1024, 'x');
        uint64_t pieces = 0;
        uint64_t sent = 0;
        const RawResponse r = c.streamUntilAnswered(
            "PUT /v1/agent/service/register HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                std::to_string(declared) + "\r\n\r\n",
            [&] { return pieces++ < declared / piece.size() ? piece : std::string(); }, 120000,
            sent);
        QCOMPARE(r.status, 413);
        QCOMPARE(r.body, "Request body(" + std::to_string(declared) +
                             " bytes) too large, max size: 8388608 bytes.");
        QCOMPARE(r.headers.at("connection"), std::string("close"));
        QVERIFY2(sent < declared, qPrintable(QString::number(sent)));  // answered before the end
        const uint64_t peakAfter = procStatusBytes(pid_, "VmHWM:");
        qInfo(
            "declared body: %llu MiB, sent before the 413: %llu MiB, agent peak RSS %llu -> "
            "%llu MiB",
            static_cast<unsigned long long>(declared / kMiB),
            static_cast<unsigned long long>(sent / kMiB),
            static_cast<unsigned long long>(peakBefore / kMiB),
            static_cast<unsigned long long>(peakAfter / kMiB));
        QVERIFY2(!kMemoryBoundsMeaningful || peakAfter < peakBefore + 24 * kMiB,
                 qPrintable(QString("peak grew by %1 MiB").arg((peakAfter - peakBefore) / kMiB)));
        QCOMPARE(call(port_, "GET", "/v1/agent/self").status, 200);
    }

    void declaredBodyOverTheCapWithExpectIsRefusedBeforeItIsSent() {
        PosixClient c(port_);
        QVERIFY(c.connected());
        QVERIFY(c.sendAll(
            "PUT /v1/agent/service/register HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
            "Content-Length: 83886080\r\n\r\n"));
        const RawResponse r = c.readResponse(15000);  // not one body byte sent
        QCOMPARE(r.status, 413);
        QCOMPARE(r.body, std::string("Request body(83886080 bytes) too large, max size: 8388608 "
                                     "bytes."));
    }

    void chunkedBodyOver64MiBIsRefusedAtTheCap() {
        // 72 chunks of 1 MiB: refused at the chunk that crosses the 8 MiB cap, long before the
        // end; the agent holds at most the capped body, never the whole.
        const uint64_t peakBefore = procStatusBytes(pid_, "VmHWM:");
        PosixClient c(port_);
        QVERIFY(c.connected());
        const std::string chunk = "100000\r\n" + std::string(kMiB, 'y') + "\r\n";
        int chunks = 0;
        uint64_t sent = 0;
        const RawResponse r = c.streamUntilAnswered(
            "PUT /v1/agent/service/register HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
            "chunked\r\n\r\n",
            [&] {
                ++chunks;
                return chunks <= 72 ? chunk : chunks == 73 ? std::string("0\r\n\r\n") : "";
            },
            120000, sent);
        QCOMPARE(r.status, 413);
        QCOMPARE(r.body, std::string("Request body(9437184 bytes) too large, max size: 8388608 "
                                     "bytes."));
        QVERIFY2(sent < 40 * kMiB, qPrintable(QString::number(sent)));
        const uint64_t peakAfter = procStatusBytes(pid_, "VmHWM:");
        qInfo(
            "chunked body: 72 MiB offered, %llu MiB sent before the 413, agent peak RSS %llu -> "
            "%llu MiB",
            static_cast<unsigned long long>(sent / kMiB),
            static_cast<unsigned long long>(peakBefore / kMiB),
            static_cast<unsigned long long>(peakAfter / kMiB));
        QVERIFY2(!kMemoryBoundsMeaningful || peakAfter < peakBefore + 40 * kMiB,
                 qPrintable(QString("peak grew by %1 MiB").arg((peakAfter - peakBefore) / kMiB)));
        QCOMPARE(call(port_, "GET", "/v1/agent/self").status, 200);
    }

    void thousandStalledClientsDoNotStopOthers() {
        constexpr int kStalled = 1000;
        if (fdLimit_ < 2 * kStalled + 200) {
            QSKIP("the open-file limit is too low for 1,000 idle connections");
        }
        // A parked blocking query from before the flood.
        const RawResponse first = call(port_, "GET", "/v1/catalog/services");
        QCOMPARE(first.status, 200);
        const std::string index = first.headers.at("x-consul-index");
        QTcpSocket parked;
        parked.connectToHost(QStringLiteral("127.0.0.1"), port_);
        QVERIFY(parked.waitForConnected(10000));
        parked.write(
            ("GET /v1/catalog/services?index=" + index + "&wait=120s HTTP/1.1\r\nHost: x\r\n\r\n")
                .c_str());
        QVERIFY(parked.waitForBytesWritten(10000));

        // Half-sent requests of every kind, then silence.
        const std::vector<std::string> halves = {
            "GET /v1/agent/se",
            "GET /v1/agent/self HTTP/1.1\r\nHost: x\r\nX-Slow: ",
            "PUT /v1/kv/slow HTTP/1.1\r\nContent-Length: 100\r\n\r\nabc",
            "PUT /v1/agent/check/register HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nab",
        };
        const int fdsBefore = openFileCount(pid_);
        std::vector<std::unique_ptr<PosixClient>> stalled;
        stalled.reserve(kStalled);
        QElapsedTimer opening;
        opening.start();
        for (int i = 0; i < kStalled; ++i) {
            auto c = std::make_unique<PosixClient>(port_);
            QVERIFY2(c->connected(), qPrintable(QString("connection %1").arg(i)));
            QVERIFY(c->sendAll(halves[static_cast<size_t>(i) % halves.size()]));
            stalled.push_back(std::move(c));
        }
        // The agent holds them all (accepted, not just queued in the backlog).
        QTRY_VERIFY_WITH_TIMEOUT(openFileCount(pid_) >= fdsBefore + kStalled, 60000);
        qInfo("%d stalled connections opened and accepted in %lld ms", kStalled,
              static_cast<long long>(opening.elapsed()));

        // Others are served promptly meanwhile.
        qint64 slowest = 0;
        for (int i = 0; i < 20; ++i) {
            QElapsedTimer t;
            t.start();
            const RawResponse r = call(port_, "GET", "/v1/agent/self", {}, 10000);
            QCOMPARE(r.status, 200);
            slowest = std::max(slowest, t.elapsed());
        }
        qInfo("20 requests beside %d stalled clients: slowest %lld ms", kStalled,
              static_cast<long long>(slowest));
        QVERIFY2(slowest < 5000, qPrintable(QString::number(slowest)));

        // A short blocking query times out on time.
        QElapsedTimer waited;
        waited.start();
        const RawResponse timedOut =
            call(port_, "GET", "/v1/catalog/services?index=" + index + "&wait=1s", {}, 20000);
        QCOMPARE(timedOut.status, 200);
        QCOMPARE(timedOut.headers.at("x-consul-index"), index);
        QVERIFY2(waited.elapsed() >= 900 && waited.elapsed() < 15000,
                 qPrintable(QString::number(waited.elapsed())));

        // The parked query is still parked, and wakes on a change.
        QVERIFY(!parked.waitForReadyRead(0));
        const RawResponse reg = call(port_, "PUT", "/v1/agent/service/register",
                                     nlohmann::json{{"Name", "during-flood"}}.dump());
        QCOMPARE(reg.status, 200);
        std::string buffer;
        const RawResponse woken = readResponses(parked, buffer, 1, 20000).front();
        QCOMPARE(woken.status, 200);
        QVERIFY(std::stoull(woken.headers.at("x-consul-index")) > std::stoull(index));
        QVERIFY(nlohmann::json::parse(woken.body).contains("during-flood"));

        // Let them go; the agent releases them and goes on.
        stalled.clear();
        QTRY_VERIFY_WITH_TIMEOUT(openFileCount(pid_) < fdsBefore + 50, 60000);
        QCOMPARE(call(port_, "GET", "/v1/agent/self").status, 200);
    }

    void cleanupTestCase() { QCOMPARE(agent_.stop(), 0); }

  private:
    AgentProcess agent_;
    uint16_t port_ = 0;
    qint64 pid_ = 0;
    rlim_t fdLimit_ = 0;
};

QTEST_GUILESS_MAIN(TestAgentHttpHostile)
#include "test_agent_http_hostile.moc"
