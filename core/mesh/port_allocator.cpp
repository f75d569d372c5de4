#include "mesh/port_allocator.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "common/mesh_config.h"

namespace meshx::mesh {

namespace {

// Binds a fresh socket to ip:port and closes it: the cheapest honest answer to "could a listener
// take this port now?". Returns 0 or the errno of the failing call.
int tryBind(const std::string& ip, bool v6, uint16_t port) {
    const int fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return errno;
    }
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    int rc = 0;
    if (v6) {
        sockaddr_in6 sa{};
        sa.sin6_family = AF_INET6;
        sa.sin6_port = htons(port);
        ::inet_pton(AF_INET6, ip.c_str(), &sa.sin6_addr);
        rc = ::bind(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa);
    } else {
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        sa.sin_port = htons(port);
        ::inet_pton(AF_INET, ip.c_str(), &sa.sin_addr);
        rc = ::bind(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa);
    }
    const int err = rc == 0 ? 0 : errno;
    ::close(fd);
    return err;
}

bool isV6(const std::string& ip) {
    in6_addr buf{};
    return ::inet_pton(AF_INET6, ip.c_str(), &buf) == 1;
}

std::string rangeText(const std::string& ip, uint16_t min, uint16_t max) {
    return ip + " " + std::to_string(min) + ".." + std::to_string(max);
}

}  // namespace

PortAllocator::PortAllocator(std::string ip, bool v6, uint16_t min, uint16_t max,
                             std::string claimDirectory)
    : ip_(std::move(ip)),
      v6_(v6),
      claimDirectory_(std::move(claimDirectory)),
      min_(min),
      max_(max),
      nextUp_(min),
      nextDown_(max) {}

Result<std::unique_ptr<PortAllocator>> PortAllocator::create(std::string ip, uint16_t min,
                                                             uint16_t max,
                                                             std::string claimDirectory) {
    if (min == 0 || min > max) {
        return makeError(Code::InvalidArgument, "port range " + std::to_string(min) + ".." +
                                                    std::to_string(max) +
                                                    " is empty or includes port 0");
    }
    in6_addr buf{};
    bool v6 = false;
    if (::inet_pton(AF_INET, ip.c_str(), &buf) == 1) {
        v6 = false;
    } else if (::inet_pton(AF_INET6, ip.c_str(), &buf) == 1) {
        v6 = true;
    } else {
        return makeError(Code::InvalidArgument,
                         "port range ip '" + ip + "' is not an IPv4 or IPv6 address");
    }
    // Port 0 lets the kernel pick: this only asks whether the ip belongs to this host.
    if (const int err = tryBind(ip, v6, 0); err != 0) {
        return makeError(Code::InvalidArgument,
                         "port range ip " + ip + " cannot be bound: " + std::strerror(err));
    }
    return std::unique_ptr<PortAllocator>(
        new PortAllocator(std::move(ip), v6, min, max, std::move(claimDirectory)));
}

Result<std::unique_ptr<PortAllocator>> PortAllocator::fromConfig(const MeshConfig& config) {
    return create(config.portRangeIp, config.portRangeMin, config.portRangeMax);
}

PortAllocator::Probe PortAllocator::probe(uint16_t port, int* err) const {
    *err = tryBind(ip_, v6_, port);
    if (*err == 0) {
        return Probe::Free;
    }
    // In use, or privileged and we are not: either way nobody of ours can listen there.
    if (*err == EADDRINUSE || *err == EACCES) {
        return Probe::Busy;
    }
    return Probe::Failed;
}

bool PortAllocator::bindable(const net::Address& address) {
    return address.isTcp() && tryBind(address.host(), isV6(address.host()), address.port()) == 0;
}

Result<std::unique_ptr<net::PortClaim>> PortAllocator::tryPort(uint16_t port) {
    // Claim first, probe second: a port we claimed and found free stays ours, while probing
    // first would leave a gap in which another engine could claim, probe and bind it.
    auto claimed = net::PortClaim::tryClaim(claimDirectory_, net::Address::tcp(ip_, port));
    if (!claimed || !*claimed) {
        return claimed;
    }
    int err = 0;
    switch (probe(port, &err)) {
        case Probe::Free:
            return claimed;
        case Probe::Busy:
            return std::unique_ptr<net::PortClaim>();  // the claim is dropped with it
        case Probe::Failed:
            break;
    }
    return makeError(Code::IoError, "probing port " + std::to_string(port) + " on " + ip_ + ": " +
                                        std::strerror(err));
}

Result<std::unique_ptr<net::PortClaim>> PortAllocator::claim(Direction direction,
                                                             const std::set<uint16_t>& known) {
    // One caller at a time: the cursor walk must be one step per caller. Claims are rare (once
    // per service or upstream); contention between processes is settled by the claim itself.
    std::lock_guard lock(mutex_);
    const bool up = direction == Direction::Up;

    // First the rest of this lap's free region, then (after resetting both cursors) the whole
    // range minus what this call already tried.
    const int skipLo = nextUp_;
    const int skipHi = nextDown_;
    for (int lap = 0; lap < 2; ++lap) {
        if (lap == 1) {
            nextUp_ = min_;
            nextDown_ = max_;
        }
        while (nextUp_ <= nextDown_) {
            const int port = up ? nextUp_++ : nextDown_--;
            if (lap == 1 && port >= skipLo && port <= skipHi) {
                continue;
            }
            if (known.count(static_cast<uint16_t>(port)) > 0) {
                continue;
            }
            auto claimed = tryPort(static_cast<uint16_t>(port));
            if (!claimed || *claimed) {
                return claimed;
            }
        }
    }
    // Start the next call on a fresh lap rather than an empty region.
    nextUp_ = min_;
    nextDown_ = max_;
    return makeError(
        Code::PortRangeExhausted,
        "no free port in " + rangeText(ip_, min_, max_) +
            " (every port is in use, claimed by another engine or known to the agent)");
}

}  // namespace meshx::mesh
