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

std::string rangeText(const std::string& ip, uint16_t min, uint16_t max) {
    return ip + " " + std::to_string(min) + ".." + std::to_string(max);
}

}  // namespace

PortAllocator::PortAllocator(std::string ip, bool v6, uint16_t min, uint16_t max)
    : ip_(std::move(ip)), v6_(v6), min_(min), max_(max), nextUp_(min), nextDown_(max) {}

Result<std::unique_ptr<PortAllocator>> PortAllocator::create(std::string ip, uint16_t min,
                                                             uint16_t max) {
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
    return std::unique_ptr<PortAllocator>(new PortAllocator(std::move(ip), v6, min, max));
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

Result<uint16_t> PortAllocator::allocate(Direction direction) {
    // One caller at a time: the cursor walk and the bind probe must be one step, or two callers
    // could both see the same port free. Allocation is rare (once per service or upstream).
    std::lock_guard lock(mutex_);
    const bool up = direction == Direction::Up;
    int err = 0;

    // First the rest of this lap's free region, then (after resetting both cursors) the whole
    // range minus what this call already probed.
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
            switch (probe(static_cast<uint16_t>(port), &err)) {
                case Probe::Free:
                    return static_cast<uint16_t>(port);
                case Probe::Busy:
                    break;
                case Probe::Failed:
                    return makeError(Code::IoError, "probing port " + std::to_string(port) +
                                                        " on " + ip_ + ": " + std::strerror(err));
            }
        }
    }
    // Start the next call on a fresh lap rather than an empty region.
    nextUp_ = min_;
    nextDown_ = max_;
    return makeError(Code::PortRangeExhausted, "no free port in " + rangeText(ip_, min_, max_));
}

Result<net::Address> PortAllocator::allocateAddress(Direction direction) {
    auto port = allocate(direction);
    if (!port) {
        return port.error();
    }
    return net::Address::tcp(ip_, *port);
}

}  // namespace meshx::mesh
