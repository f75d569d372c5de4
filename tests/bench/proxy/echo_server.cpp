#include "echo_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <string>
#include <unordered_map>

namespace bench {

EchoServer::EchoServer() {
    listenFd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listenFd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listenFd_, 1024) != 0) {
        throw std::runtime_error("echo: bind failed");
    }
    socklen_t len = sizeof addr;
    ::getsockname(listenFd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    epollFd_ = ::epoll_create1(EPOLL_CLOEXEC);
    wakeFd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = listenFd_;
    ::epoll_ctl(epollFd_, EPOLL_CTL_ADD, listenFd_, &ev);
    ev.data.fd = wakeFd_;
    ::epoll_ctl(epollFd_, EPOLL_CTL_ADD, wakeFd_, &ev);
    thread_ = std::thread([this] { run(); });
}

EchoServer::~EchoServer() {
    stop_ = true;
    uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wakeFd_, &one, sizeof one);
    thread_.join();
    ::close(listenFd_);
    ::close(epollFd_);
    ::close(wakeFd_);
}

void EchoServer::run() {
    // Unsent bytes per connection (only when the client reads slower than it writes).
    std::unordered_map<int, std::string> pending;
    static char buf[256 * 1024];
    epoll_event events[256];
    auto closeConn = [&](int fd) {
        pending.erase(fd);
        ::close(fd);
    };
    auto flush = [&](int fd) -> bool {
        auto& p = pending[fd];
        while (!p.empty()) {
            ssize_t n = ::send(fd, p.data(), p.size(), MSG_NOSIGNAL);
            if (n < 0) {
                return errno == EAGAIN;
            }
            p.erase(0, static_cast<size_t>(n));
        }
        return true;
    };
    while (!stop_) {
        int n = ::epoll_wait(epollFd_, events, 256, -1);
        for (int i = 0; i < n; ++i) {
            int fd = events[i].data.fd;
            if (fd == wakeFd_) {
                continue;
            }
            if (fd == listenFd_) {
                for (;;) {
                    int c = ::accept4(listenFd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
                    if (c < 0) {
                        break;
                    }
                    int one = 1;
                    ::setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    epoll_event ev{};
                    ev.events = EPOLLIN | EPOLLOUT | EPOLLET | EPOLLRDHUP;
                    ev.data.fd = c;
                    ::epoll_ctl(epollFd_, EPOLL_CTL_ADD, c, &ev);
                }
                continue;
            }
            bool alive = flush(fd);
            while (alive && pending[fd].empty()) {
                ssize_t r = ::recv(fd, buf, sizeof buf, 0);
                if (r == 0 || (r < 0 && errno != EAGAIN)) {
                    alive = false;
                    break;
                }
                if (r < 0) {
                    break;
                }
                ssize_t w = ::send(fd, buf, static_cast<size_t>(r), MSG_NOSIGNAL);
                if (w < 0 && errno != EAGAIN) {
                    alive = false;
                    break;
                }
                size_t sent = w < 0 ? 0 : static_cast<size_t>(w);
                if (sent < static_cast<size_t>(r)) {
                    pending[fd].assign(buf + sent, static_cast<size_t>(r) - sent);
                }
            }
            if (!alive) {
                closeConn(fd);
            }
        }
    }
    for (auto& [fd, p] : pending) {
        ::close(fd);
    }
}

}  // namespace bench
