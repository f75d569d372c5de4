#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "common/result.h"
#include "net/address.h"
#include "node/local_pid.h"
#include "node/node_name.h"

struct ei_cnode_s;  // erl_interface's ei_cnode; only the .cpp files include ei.h

namespace meshx::node {

struct AcceptedPeer {
    int fd = -1;
    std::string node;     // the name the peer announced in the handshake
    std::string address;  // its IPv4 address
};

// Our C node as erl_interface knows it: name, cookie, creation, and the blocking ei calls that
// need them (dial + handshake, listen, accept + handshake). The cookie is copied into ei's
// struct and nowhere else; no message here contains it.
//
// init() once, on the thread that starts the node, before any other call; afterwards ei only
// reads the struct, so connect/accept/makePid may run on any thread at the same time
// (makePid, which writes a counter, is locked).
class EiNode {
  public:
    EiNode();
    ~EiNode();
    EiNode(const EiNode&) = delete;
    EiNode& operator=(const EiNode&) = delete;

    // ei_init() (process-wide, once) and ei_connect_xinit with a random creation, so pids of a
    // previous run of a node with the same name are told apart, as Erlang does.
    Status init(const NodeName& name, std::string_view cookie);

    const NodeName& name() const { return name_; }
    ei_cnode_s* raw() { return cnode_.get(); }

    // A pid of our node no other call has (ei_make_pid).
    LocalPid makePid();

    // Dials `endpoint` (TCP, IPv4) with no EPMD and runs the handshake as `remote` expects it.
    // Errors: IoError (unreachable), Timeout, PermissionDenied when the peer closes (or resets)
    // during the handshake (what a wrong cookie looks like from here; see node_error.h).
    Result<int> connect(const NodeName& remote, const net::Address& endpoint,
                        std::chrono::milliseconds timeout);

    // Listens on `address` (TCP, IPv4; port 0 picks one). Returns the socket and the bound port.
    Result<std::pair<int, uint16_t>> listen(const net::Address& address);

    // Accepts one connection on `listenFd` and runs the handshake (the cookie is checked here).
    Result<AcceptedPeer> accept(int listenFd, std::chrono::milliseconds timeout);

  private:
    std::unique_ptr<ei_cnode_s> cnode_;
    std::mutex pidMutex_;
    NodeName name_;
};

}  // namespace meshx::node
