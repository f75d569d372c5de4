#include "load_clients.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>
#include <vector>

namespace bench {

namespace {

using Clock = std::chrono::steady_clock;

int connectTo(uint16_t port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

bool exchange(int fd, const char* msg, char* back, size_t len) {
    if (::send(fd, msg, len, MSG_NOSIGNAL) != static_cast<ssize_t>(len)) {
        return false;
    }
    size_t got = 0;
    while (got < len) {
        ssize_t n = ::recv(fd, back + got, len - got, 0);
        if (n <= 0) {
            return false;
        }
        got += static_cast<size_t>(n);
    }
    return true;
}

}  // namespace

PingPongResult pingPong(uint16_t port, std::chrono::milliseconds duration) {
    PingPongResult r;
    int fd = connectTo(port);
    if (fd < 0) {
        return r;
    }
    char msg[64];
    char back[64];
    std::memset(msg, 'p', sizeof msg);
    for (int i = 0; i < 500; ++i) {  // warm-up: handshakes done, caches hot
        if (!exchange(fd, msg, back, sizeof msg)) {
            ::close(fd);
            return r;
        }
    }
    std::vector<double> samples;
    samples.reserve(200000);
    auto start = Clock::now();
    auto end = start + duration;
    auto now = start;
    while (now < end && samples.size() < 2000000) {
        auto t0 = now;
        if (!exchange(fd, msg, back, sizeof msg)) {
            ::close(fd);
            return r;
        }
        now = Clock::now();
        samples.push_back(std::chrono::duration<double, std::micro>(now - t0).count());
    }
    ::close(fd);
    double elapsed = std::chrono::duration<double>(now - start).count();
    std::sort(samples.begin(), samples.end());
    r.p50Us = samples[samples.size() / 2];
    r.p99Us = samples[samples.size() * 99 / 100];
    r.callsPerSecond = static_cast<double>(samples.size()) / elapsed;
    r.ok = true;
    return r;
}

double concurrentCalls(uint16_t port, int connections, std::chrono::milliseconds duration) {
    struct Conn {
        int fd = -1;
        size_t got = 0;
    };
    std::vector<Conn> conns(static_cast<size_t>(connections));
    int ep = ::epoll_create1(EPOLL_CLOEXEC);
    char msg[64];
    std::memset(msg, 'c', sizeof msg);
    for (size_t i = 0; i < conns.size(); ++i) {
        conns[i].fd = connectTo(port);
        if (conns[i].fd < 0) {
            return -1;
        }
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.u64 = i;
        ::epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].fd, &ev);
    }
    uint64_t calls = 0;
    bool failed = false;
    auto run = [&](Clock::time_point until, bool count) {
        for (auto& c : conns) {
            c.got = 0;
            if (::send(c.fd, msg, sizeof msg, MSG_NOSIGNAL) != sizeof msg) {
                failed = true;
            }
        }
        size_t outstanding = conns.size();
        bool stopping = false;
        epoll_event events[64];
        char buf[64];
        while (outstanding > 0 && !failed) {
            int n = ::epoll_wait(ep, events, 64, 5000);
            if (n <= 0) {
                failed = true;
                break;
            }
            if (!stopping && Clock::now() >= until) {
                stopping = true;
            }
            for (int i = 0; i < n; ++i) {
                Conn& c = conns[events[i].data.u64];
                ssize_t r = ::recv(c.fd, buf, sizeof buf - c.got, 0);
                if (r <= 0) {
                    failed = true;
                    break;
                }
                c.got += static_cast<size_t>(r);
                if (c.got < sizeof msg) {
                    continue;
                }
                c.got = 0;
                if (count) {
                    ++calls;
                }
                if (stopping) {
                    --outstanding;
                } else if (::send(c.fd, msg, sizeof msg, MSG_NOSIGNAL) != sizeof msg) {
                    failed = true;
                }
            }
        }
    };
    run(Clock::now() + std::chrono::milliseconds(200), false);  // warm-up
    auto start = Clock::now();
    run(start + duration, true);
    double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    for (auto& c : conns) {
        ::close(c.fd);
    }
    ::close(ep);
    return failed ? -1 : static_cast<double>(calls) / elapsed;
}

double bulkEcho(uint16_t port, std::chrono::milliseconds duration) {
    int fd = connectTo(port);
    if (fd < 0) {
        return -1;
    }
    constexpr size_t kMessage = 1 << 20;
    std::vector<char> out(kMessage, 'b');
    std::vector<char> in(256 * 1024);
    uint64_t sent = 0;
    uint64_t received = 0;
    auto start = Clock::now();
    auto end = start + duration;
    bool failed = false;
    // Keep at most two messages in flight so the pipe stays full without unbounded buffering.
    while (!failed) {
        bool sending = Clock::now() < end && sent - received < 2 * kMessage;
        if (!sending && received == sent) {
            break;
        }
        pollfd p{fd, static_cast<short>(POLLIN | (sending ? POLLOUT : 0)), 0};
        if (::poll(&p, 1, 5000) <= 0) {
            failed = true;
            break;
        }
        if (p.revents & POLLIN) {
            ssize_t n = ::recv(fd, in.data(), in.size(), MSG_DONTWAIT);
            if (n <= 0) {
                failed = n == 0 || errno != EAGAIN;
            } else {
                received += static_cast<uint64_t>(n);
            }
        }
        if (sending && (p.revents & POLLOUT)) {
            size_t offset = sent % kMessage;
            ssize_t n =
                ::send(fd, out.data() + offset, kMessage - offset, MSG_DONTWAIT | MSG_NOSIGNAL);
            if (n < 0 && errno != EAGAIN) {
                failed = true;
            } else if (n > 0) {
                sent += static_cast<uint64_t>(n);
            }
        }
    }
    double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    ::close(fd);
    return failed ? -1 : static_cast<double>(received) / 1e6 / elapsed;
}

bool waitForPort(uint16_t port, std::chrono::milliseconds timeout) {
    auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
        int fd = connectTo(port);
        if (fd >= 0) {
            ::close(fd);
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
}

uint16_t freePort() {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ::close(fd);
    return ntohs(addr.sin_port);
}

}  // namespace bench
