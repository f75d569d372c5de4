#include "node/ei_node.h"

#include <arpa/inet.h>
#include <ei.h>
#include <netdb.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <random>

#include "node/node_error.h"

namespace meshx::node {

namespace {

// ei_init() must run once per process before any other ei call.
Status initEiOnce() {
    static const int result = ei_init();
    if (result != 0) {
        return makeError(Code::Internal, "ei_init failed: " + std::to_string(result));
    }
    return {};
}

Result<in_addr> ipv4Of(const std::string& host) {
    in_addr addr{};
    if (inet_pton(AF_INET, host.c_str(), &addr) == 1) {
        return addr;
    }
    addrinfo hints{};
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    int rc = getaddrinfo(host.c_str(), nullptr, &hints, &found);
    if (rc != 0 || found == nullptr) {
        return makeError(Code::IoError, "cannot resolve host '" + host +
                                            "' to an IPv4 address: " + gai_strerror(rc));
    }
    addr = reinterpret_cast<sockaddr_in*>(found->ai_addr)->sin_addr;
    freeaddrinfo(found);
    return addr;
}

Result<in_addr> tcpIpv4(const net::Address& a) {
    if (!a.isTcp()) {
        return makeError(Code::InvalidArgument,
                         a.toString() + ": erl_interface speaks TCP/IPv4 only, not unix sockets");
    }
    return ipv4Of(a.host());
}

unsigned msOf(std::chrono::milliseconds t) {
    // 0 means "no timeout" to ei; keep at least 1 ms.
    return static_cast<unsigned>(std::max<long long>(1, t.count()));
}

}  // namespace

EiNode::EiNode() : cnode_(std::make_unique<ei_cnode_s>()) {}

EiNode::~EiNode() = default;

Status EiNode::init(const NodeName& name, std::string_view cookie) {
    if (auto s = initEiOnce(); !s) {
        return s;
    }
    if (cookie.empty() || cookie.size() > EI_MAX_COOKIE_SIZE) {
        return makeError(Code::InvalidArgument,
                         "cookie must be 1.." + std::to_string(EI_MAX_COOKIE_SIZE) + " bytes");
    }
    // Erlang's creation is random above 3 (0..3 are reserved for old nodes), so a restarted node
    // never receives messages meant for pids of its previous life.
    std::random_device rd;
    std::uniform_int_distribution<uint32_t> dist(4, 0xFFFFFFFFu);
    unsigned int creation = dist(rd);

    std::string alive = name.alive();
    std::string host = name.host();
    std::string full = name.toString();
    std::string secret(cookie);
    in_addr unused{};  // ei keeps this_ipaddr only for EPMD publishing, which we never do
    int rc = ei_connect_xinit(cnode_.get(), host.c_str(), alive.c_str(), full.c_str(), &unused,
                              secret.c_str(), creation);
    std::fill(secret.begin(), secret.end(), '\0');
    if (rc < 0) {
        return makeError(Code::InvalidArgument,
                         "erl_interface rejected node name " + full + " or the cookie");
    }
    name_ = name;
    return {};
}

LocalPid EiNode::makePid() {
    erlang_pid p{};
    {
        std::lock_guard lock(pidMutex_);
        ei_make_pid(cnode_.get(), &p);
    }
    return LocalPid{p.node, p.num, p.serial, p.creation};
}

Result<int> EiNode::connect(const NodeName& remote, const net::Address& endpoint,
                            std::chrono::milliseconds timeout) {
    auto addr = tcpIpv4(endpoint);
    if (!addr) {
        return addr.error();
    }
    std::string where = "node " + remote.toString() + " at " + endpoint.toString();
    errno = 0;
    int fd = ei_xconnect_host_port_tmo(cnode_.get(), &*addr, endpoint.port(), msOf(timeout));
    if (fd >= 0) {
        return fd;
    }
    // ei reports every failure as EIO except timeouts; errno still holds what the TCP connect
    // said, and stays clear when the socket connected but the peer hung up mid-handshake.
    int sysErr = errno;
    int eiErr = erl_errno;
    if (eiErr == ETIMEDOUT || sysErr == ETIMEDOUT) {
        return makeError(Code::Timeout, "no handshake with " + where + " within " +
                                            std::to_string(timeout.count()) + " ms");
    }
    // ECONNRESET is not among them: connect() itself never says it, so the socket was up and
    // the peer hung up during the handshake. A sidecar relaying the peer's close of a refused
    // handshake does it this way (it closes with our next handshake message still unread).
    if (sysErr == ECONNREFUSED || sysErr == EHOSTUNREACH || sysErr == ENETUNREACH ||
        sysErr == EADDRNOTAVAIL) {
        return makeError(Code::IoError, "cannot reach " + where + ": " + std::strerror(sysErr));
    }
    return makeHandshakeRefused(remote.toString(), endpoint.toString());
}

Result<std::pair<int, uint16_t>> EiNode::listen(const net::Address& address) {
    auto addr = tcpIpv4(address);
    if (!addr) {
        return addr.error();
    }
    int port = address.port();
    int fd = ei_xlisten(cnode_.get(), &*addr, &port, 16);
    if (fd < 0) {
        return makeError(Code::IoError, "cannot listen on " + address.toString() + ": " +
                                            std::strerror(errno ? errno : EIO));
    }
    return std::make_pair(fd, static_cast<uint16_t>(port));
}

Result<AcceptedPeer> EiNode::accept(int listenFd, std::chrono::milliseconds timeout) {
    ErlConnect conn{};
    int fd = ei_accept_tmo(cnode_.get(), listenFd, &conn, msOf(timeout));
    if (fd < 0) {
        int eiErr = erl_errno;
        if (eiErr == ETIMEDOUT) {
            return makeError(Code::Timeout, "incoming handshake timed out");
        }
        // A peer with another cookie lands here too: ei has already refused it.
        return makeError(Code::PermissionDenied, "incoming handshake failed");
    }
    char ip[INET_ADDRSTRLEN] = {};
    inet_ntop(AF_INET, conn.ipadr, ip, sizeof(ip));
    return AcceptedPeer{fd, conn.nodename, ip};
}

}  // namespace meshx::node
