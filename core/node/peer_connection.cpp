#include "node/peer_connection.h"

#include <ei.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "node/rex_codec.h"

namespace meshx::node {

namespace {

using Clock = std::chrono::steady_clock;

// Owns the receive buffer; ei grows it as messages need.
class ReceiveBuffer {
  public:
    ReceiveBuffer() { ei_x_new(&buf_); }
    ~ReceiveBuffer() { ei_x_free(&buf_); }
    ReceiveBuffer(const ReceiveBuffer&) = delete;
    ReceiveBuffer& operator=(const ReceiveBuffer&) = delete;
    ei_x_buff* get() { return &buf_; }

  private:
    ei_x_buff buf_{};
};

// Printed as erl_interface prints a pid: the sender is on another node.
std::string pidText(const erlang_pid& p) {
    return "<" + std::string(p.node) + "." + std::to_string(p.num) + "." +
           std::to_string(p.serial) + ">";
}

unsigned msOf(std::chrono::milliseconds t) {
    return static_cast<unsigned>(std::max<long long>(1, t.count()));
}

}  // namespace

PeerConnection::PeerConnection(std::shared_ptr<EiNode> local, int fd, std::string peer,
                               PeerDirection direction, std::string endpoint,
                               std::shared_ptr<Mailbox> mailbox, const NodeOptions& options)
    : local_(std::move(local)),
      fd_(fd),
      peer_(std::move(peer)),
      direction_(direction),
      endpoint_(std::move(endpoint)),
      mailbox_(std::move(mailbox)),
      options_(options) {}

PeerConnection::~PeerConnection() {
    close("connection closed");
}

void PeerConnection::start() {
    receiver_ = std::thread([this] { receiveLoop(); });
}

bool PeerConnection::isOpen() const {
    if (!open_.load()) {
        return false;
    }
    pollfd p{fd_, POLLRDHUP, 0};
    if (::poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0) {
        return false;
    }
    return true;
}

void PeerConnection::close(const std::string& reason) {
    std::lock_guard lock(closeMutex_);
    if (closed_) {
        return;
    }
    closed_ = true;
    // shutdown wakes the receive thread out of poll/recv; the fd stays ours until joined, so
    // it cannot be reused under the thread's feet.
    ::shutdown(fd_, SHUT_RDWR);
    if (receiver_.joinable()) {
        receiver_.join();
    }
    finish(reason);
    ei_close_connection(fd_);
}

void PeerConnection::finish(const std::string& reason) {
    open_.store(false);
    std::lock_guard lock(pendingMutex_);
    if (endReason_.empty()) {
        endReason_ = reason;
    }
    for (auto& [key, p] : pending_) {
        if (!p->done) {
            p->done = true;
            p->error = makeError(Code::Closed,
                                 "connection to " + peer_ + " lost during the call: " + endReason_);
        }
    }
    pendingCv_.notify_all();
}

void PeerConnection::receiveLoop() {
    ReceiveBuffer buf;
    auto lastHeard = Clock::now();
    std::string reason;
    while (true) {
        auto silentFor =
            std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - lastHeard);
        auto left = options_.tickTimeout - silentFor;
        if (left.count() <= 0) {
            reason =
                "no tick from the peer for " + std::to_string(options_.tickTimeout.count()) + " ms";
            break;
        }
        pollfd p{fd_, POLLIN, 0};
        int ready = ::poll(&p, 1, static_cast<int>(left.count()));
        if (ready < 0 && errno == EINTR) {
            continue;
        }
        if (ready < 0) {
            reason = std::string("poll failed: ") + std::strerror(errno);
            break;
        }
        if (ready == 0) {
            continue;  // the deadline check above ends the loop
        }
        erlang_msg msg{};
        int rc = 0;
        int err = 0;
        {
            std::lock_guard lock(writeMutex_);
            buf.get()->index = 0;
            rc = ei_xreceive_msg_tmo(fd_, &msg, buf.get(), msOf(options_.sendTimeout));
            err = erl_errno;
        }
        if (rc == ERL_TICK) {
            ticks_.fetch_add(1);
            lastHeard = Clock::now();
            continue;
        }
        if (rc == ERL_ERROR) {
            if (err == EAGAIN) {
                lastHeard = Clock::now();  // a message ei consumed itself (link, exit...)
                continue;
            }
            reason = err == ETIMEDOUT ? "peer stalled in the middle of a message"
                                      : "connection closed by the peer";
            break;
        }
        lastHeard = Clock::now();
        std::string bytes(buf.get()->buff, static_cast<std::size_t>(buf.get()->index));
        if (msg.msgtype == ERL_SEND || msg.msgtype == ERL_SEND_TT) {
            std::shared_ptr<Pending> waiting;
            {
                std::lock_guard lock(pendingMutex_);
                auto it = pending_.find({msg.to.num, msg.to.serial});
                if (it != pending_.end() && !it->second->done) {
                    waiting = it->second;
                    waiting->reply = std::move(bytes);
                    waiting->done = true;
                }
            }
            if (waiting) {
                pendingCv_.notify_all();
            } else {
                // Our pids exist only as reply addresses of calls, so this is the reply to a call
                // that timed out: nobody waits for it any more.
                lateReplies_.fetch_add(1);
            }
        } else if (msg.msgtype == ERL_REG_SEND || msg.msgtype == ERL_REG_SEND_TT) {
            auto term = Term::fromExternal(bytes, peer_);
            if (term) {
                mailbox_->push(NodeMessage{peer_, msg.toname, pidText(msg.from), std::move(*term)});
            }
        }
        // Links, unlinks and exits name processes we do not have; nothing to do.
    }
    finish(reason);
}

PeerConnection::CallOutcome PeerConnection::call(std::string_view module, std::string_view function,
                                                 const Term& args,
                                                 std::chrono::milliseconds timeout) {
    LocalPid replyTo = local_->makePid();
    auto request = RexCodec::encodeCall(replyTo, module, function, args);
    if (!request) {
        return {request.error(), false};
    }
    PidKey key{replyTo.num, replyTo.serial};
    auto slot = std::make_shared<Pending>();
    {
        std::lock_guard lock(pendingMutex_);
        if (!open_.load()) {
            return {makeError(Code::Closed, "connection to " + peer_ + " is closed"), false};
        }
        pending_[key] = slot;
    }
    int rc = 0;
    int err = 0;
    {
        std::lock_guard lock(writeMutex_);
        char rex[] = "rex";
        rc = ei_reg_send_tmo(local_->raw(), fd_, rex, request->data(),
                             static_cast<int>(request->size()), msOf(options_.sendTimeout));
        err = erl_errno;
    }
    if (rc < 0) {
        {
            std::lock_guard lock(pendingMutex_);
            pending_.erase(key);
        }
        // A half-written message would desynchronise the stream: this connection is done.
        ::shutdown(fd_, SHUT_RDWR);
        return {makeError(Code::Closed,
                          "sending to " + peer_ + " failed: " + std::strerror(err ? err : EIO)),
                false};
    }

    std::unique_lock lock(pendingMutex_);
    bool answered = pendingCv_.wait_for(lock, timeout, [&] { return slot->done; });
    pending_.erase(key);
    if (!answered) {
        return {makeError(Code::Timeout, "no reply from " + peer_ + " to " + std::string(module) +
                                             ":" + std::string(function) + " within " +
                                             std::to_string(timeout.count()) + " ms"),
                true};
    }
    if (slot->error) {
        return {*slot->error, true};
    }
    std::string reply = std::move(slot->reply);
    lock.unlock();
    return {RexCodec::decodeReply(reply, peer_), true};
}

PeerInfo PeerConnection::info(uint64_t handshakes) const {
    return PeerInfo{peer_, direction_, endpoint_, handshakes, ticks_.load(), lateReplies_.load()};
}

}  // namespace meshx::node
