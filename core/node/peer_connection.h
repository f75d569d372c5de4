#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include "common/result.h"
#include "node/ei_node.h"
#include "node/mailbox.h"
#include "node/node_types.h"
#include "node/term.h"

namespace meshx::node {

// One distribution connection to a peer that passed the handshake: the socket, its receive
// thread, and the calls waiting for replies on it.
//
// Threads: start() launches the receive thread, which reads every message, answers ticks
// (erl_interface writes the reply inside its receive call), hands rpc replies to the waiting
// call, drops late replies and queues messages sent to a registered name in the mailbox. call()
// runs on the caller's thread and blocks until the reply, the timeout or the connection's end.
// close() may be called from any thread but the receive thread (it joins it); the destructor
// closes.
//
// Writes are serialised by one mutex, which the receive thread also holds while it reads a
// message, because the tick answer it may write must not land inside one of our messages.
class PeerConnection {
  public:
    PeerConnection(std::shared_ptr<EiNode> local, int fd, std::string peer, PeerDirection direction,
                   std::string endpoint, std::shared_ptr<Mailbox> mailbox,
                   const NodeOptions& options);
    ~PeerConnection();
    PeerConnection(const PeerConnection&) = delete;
    PeerConnection& operator=(const PeerConnection&) = delete;

    void start();

    struct CallOutcome {
        Result<Term> result;
        // False when the request never fully left us: the peer cannot have run it, so the
        // caller may reconnect and send it again.
        bool sent = false;
    };

    // rpc through the peer's rex server (see RexCodec).
    CallOutcome call(std::string_view module, std::string_view function, const Term& args,
                     std::chrono::milliseconds timeout);

    // False once the receive thread has ended, or when the peer's hang-up has reached our
    // socket but not yet the receive thread (checked without reading), so a call never goes
    // out on a connection already known to be dead.
    bool isOpen() const;

    void close(const std::string& reason);

    PeerInfo info(uint64_t handshakes) const;
    const std::string& peer() const { return peer_; }

  private:
    struct Pending {
        bool done = false;
        std::string reply;
        std::optional<Error> error;
    };
    using PidKey = std::pair<uint32_t, uint32_t>;  // num, serial

    void receiveLoop();
    void finish(const std::string& reason);

    std::shared_ptr<EiNode> local_;
    const int fd_;
    const std::string peer_;
    const PeerDirection direction_;
    const std::string endpoint_;
    std::shared_ptr<Mailbox> mailbox_;
    const NodeOptions options_;

    std::thread receiver_;
    std::atomic<bool> open_{true};
    std::atomic<uint64_t> ticks_{0};
    std::atomic<uint64_t> lateReplies_{0};
    std::mutex writeMutex_;
    std::mutex closeMutex_;
    bool closed_ = false;

    std::mutex pendingMutex_;
    std::condition_variable pendingCv_;
    std::map<PidKey, std::shared_ptr<Pending>> pending_;
    std::string endReason_;
};

}  // namespace meshx::node
