// The floor relay: the least work any user-space TCP relay can do per message, as a yardstick
// for bench_proxy. Plain TCP, no TLS, no parsing, no event loop: every accepted connection gets
// an outbound connection and two threads, each of which blocks in read() and write()s what it
// got. Per message and hop that is one wake-up and two system calls, against which a real relay
// (meshx-proxy, HAProxy) can only add work. A pair of these shows how far above the bare cost of
// two extra hops on this machine a relay pair's latency can possibly get.
//
//   bench_floor_relay LISTEN_PORT TARGET_PORT     (127.0.0.1 both; runs until killed)

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <thread>

namespace {

sockaddr_in loopback(int port) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    return addr;
}

void noDelay(int fd) {
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

// Copies `from` to `to` until either side ends, then shuts down the write side so the other
// direction sees the end too.
void copy(int from, int to) {
    static thread_local char buf[256 * 1024];
    for (;;) {
        const ssize_t n = ::read(from, buf, sizeof buf);
        if (n <= 0) {
            break;
        }
        for (ssize_t off = 0; off < n;) {
            const ssize_t w = ::send(to, buf + off, static_cast<size_t>(n - off), MSG_NOSIGNAL);
            if (w <= 0) {
                ::shutdown(to, SHUT_WR);
                return;
            }
            off += w;
        }
    }
    ::shutdown(to, SHUT_WR);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: bench_floor_relay LISTEN_PORT TARGET_PORT\n");
        return 2;
    }
    const int listenPort = std::atoi(argv[1]);
    const int targetPort = std::atoi(argv[2]);
    const int lfd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr = loopback(listenPort);
    if (::bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(lfd, 1024) != 0) {
        std::perror("bench_floor_relay: bind");
        return 1;
    }
    for (;;) {
        const int in = ::accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC);
        if (in < 0) {
            continue;
        }
        const int out = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in target = loopback(targetPort);
        if (::connect(out, reinterpret_cast<sockaddr*>(&target), sizeof target) != 0) {
            ::close(in);
            ::close(out);
            continue;
        }
        noDelay(in);
        noDelay(out);
        // One thread per direction; the second closes both sockets once both directions ended.
        std::thread([in, out] {
            std::thread back([in, out] { copy(out, in); });
            copy(in, out);
            back.join();
            ::close(in);
            ::close(out);
        }).detach();
    }
}
