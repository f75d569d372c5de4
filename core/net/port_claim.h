#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/result.h"
#include "net/address.h"

namespace meshx::net {

// A local TCP port this process has claimed on this host, held until the claim is destroyed.
//
// Why a lock file: every engine (each `meshx` command, each console, each embedded app) walks the
// port range on its own, so probing "can I bind it?" is not enough: two processes probing at the
// same instant both see the port free, and a service whose program binds later leaves the port
// free-looking for minutes. A claim is an exclusive flock(2) on `<dir>/port-<N>.lock`:
//   - atomic across processes: of two engines racing for port N exactly one gets the lock;
//   - bound to the holder's life: the kernel drops it when the process exits, even on SIGKILL,
//     so a crashed engine never leaves a stale claim (unlike pid files or O_EXCL markers);
//   - independent of the socket: the program behind `meshx serve`, the RPC server or the dummy
//     listener binds the port itself later, while the claim keeps other engines away.
// Lock files are never removed (removing one while another process opens it would let two
// holders lock two different files); there is at most one tiny file per port ever used.
// The lock is per port, whatever the ip: 0.0.0.0:N and 127.0.0.1:N conflict when listening.
class PortClaim {
  public:
    // The directory every engine on this host shares: $MESHX_PORT_CLAIM_DIR when set, else
    // /tmp/meshx-port-claims (sticky and world-writable, so engines of all users meet there).
    // Any thread.
    static std::string defaultDirectory();

    // Claims port `address.port()` in `dir` (created when missing). A null pointer when another
    // holder (any process, or another claim of this one) has it; IoError when `dir` cannot be
    // used (not a directory, a symlink, no permission, out of descriptors). Any thread.
    static Result<std::unique_ptr<PortClaim>> tryClaim(const std::string& dir,
                                                       const net::Address& address);

    ~PortClaim();
    PortClaim(const PortClaim&) = delete;
    PortClaim& operator=(const PortClaim&) = delete;

    // The claimed endpoint. Any thread.
    const net::Address& address() const { return address_; }
    uint16_t port() const { return address_.port(); }

  private:
    PortClaim(int fd, net::Address address);

    const int fd_;  // holds the flock; O_CLOEXEC so children never inherit the claim
    const net::Address address_;
};

}  // namespace meshx::net
