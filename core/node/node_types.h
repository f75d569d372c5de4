#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "node/term.h"

namespace meshx::node {

struct NodeOptions {
    // TCP connect plus the distribution handshake, per socket operation (erl_interface's _tmo).
    // Also bounds each incoming handshake.
    std::chrono::milliseconds connectTimeout{5000};
    // Default wait for an rpc/spawn reply (overridable per call).
    std::chrono::milliseconds callTimeout{5000};
    // Bound on writing one message to a peer that does not read.
    std::chrono::milliseconds sendTimeout{5000};
    // A peer that sends nothing for this long, not even a tick, is dropped: Erlang's
    // net_ticktime (60 s by default, a tick every 15 s). Our replies to the peer's ticks are what
    // keeps the connection up on its side.
    std::chrono::milliseconds tickTimeout{60000};
    // Messages sent to our node (not rpc replies) wait here for receive(); beyond this count
    // the oldest are dropped and counted.
    std::size_t mailboxLimit = 1024;
};

enum class PeerDirection {
    Outgoing,  // we dialled it through the resolver
    Incoming,  // it dialled our listener
};

struct PeerInfo {
    std::string name;  // the node name it is reached by
    PeerDirection direction = PeerDirection::Outgoing;
    std::string endpoint;      // dialled endpoint (tcp://...) or, incoming, the peer's address
    uint64_t handshakes = 0;   // successful handshakes with this name since start()
    uint64_t ticks = 0;        // ticks received (and answered) on the current connection
    uint64_t lateReplies = 0;  // rpc replies that arrived after their call timed out (dropped)
};

// A message an Erlang process sent to a name on our node, e.g. `{meshx, 'cli@h11'} ! hello`.
// (Our node has no processes of its own: its pids are only reply addresses of rpc calls.)
struct NodeMessage {
    std::string peer;  // the connection it arrived on
    std::string to;    // the registered name it was sent to
    std::string from;  // the sender's pid, as erl_interface prints it (`<n@h.85.0>`)
    Term term;
};

}  // namespace meshx::node
