#pragma once

#include <atomic>
#include <optional>
#include <string_view>

#include "rpc/payload.h"
#include "rpc/rpc_error.h"
#include "rpc/rpc_options.h"
#include "rpc/rpc_telemetry.h"
#include "rpc/transport/frame_stream.h"
#include "rpc/wire/message_assembler.h"
#include "rpc/wire/message_encoder.h"

namespace meshx::rpc {

// One client pool worker's connection. The thread that checked it out does the I/O itself
// (no hand-off): connect + handshake, then one request at a time. Any error closes the connection
// like the original; the pool reconnects it. Not thread-safe: one owner at a time.
class ClientConnection {
  public:
    ClientConnection(const RpcClientOptions& options, const RpcTelemetry& telemetry);

    bool connected() const { return stream_.isOpen(); }
    // Connects (timeout_connect) and handshakes (timeout_hsk). On error the connection stays
    // closed and the error says which: ConnectFailed, TimeoutHsk, TcpClosed, InvalidDigest,
    // InvalidHskParams (from the server's 0xDB text or our own check of the ack), InvalidRef.
    std::optional<RpcError> connect();
    // Sends a call or cast and waits for its reply until `deadline`. A cast returns an empty
    // payload once acknowledged. Errors: Closed (not connected), TcpClosed, Timeout, InvalidRef,
    // InvalidCks, BadFrame, InvalidPktSize, or the server's error term (Undef, Killed, Remote...).
    RpcResult<Payload> request(bool cast, std::string_view funName, const Payload& arg,
                               transport::Deadline deadline);
    void close();

    // How far the last request() got. A request that failed with the connection lost before
    // any reply byte arrived may be resent (RpcClientPool); `Sent` means the server may already
    // have run it.
    enum class Progress : uint8_t { NotSent, PartlySent, Sent, ReplyStarted };
    Progress progress() const { return progress_; }
    // True when the last request() failed because the connection went away (EOF, reset, broken
    // pipe) before any byte of its reply arrived: the one failure a resend can carry.
    bool lostBeforeReply() const { return lostBeforeReply_; }
    // True while no request has completed on this connection since its handshake: a close
    // now is the Elixir server's post-handshake framing race (docs/rpc-protocol.md).
    bool fresh() const { return completed_ == 0; }
    // Publishes the `resend` event for the last request: its result says why and whether the
    // server may have run the first copy.
    void reportResend(bool wasFresh, Progress progress);

    // An idle connection with bytes or EOF waiting was closed by the peer (or it spoke out of
    // turn): either way it is unusable. Never blocks.
    bool peerGone() { return connected() && stream_.readable(); }
    // Any thread: aborts a blocked request (pool shutdown).
    void abort() { stream_.shutdown(); }

    // Pool hand-out state (RpcClientPool): Managed = in the pool's idle or busy list (under its
    // lock); Parked = checked in without the lock, free for a compare-and-swap to FastBusy (out
    // on the lock-free path). The other bookkeeping below belongs to whoever owns the worker:
    // the pool's lock, or the thread that took it.
    enum class PoolState : uint8_t { Managed, Parked, FastBusy };
    std::atomic<PoolState> poolState{PoolState::Managed};

    // Pool bookkeeping, touched only under the pool's lock (or by the worker's owner).
    transport::Clock::time_point idleSince{};
    transport::Clock::time_point retryAt{};
    Millis idleLimit{0};
    transport::Clock::time_point expiresAt = transport::Clock::time_point::max();  // conn_max_age
    bool overflow = false;
    std::string
        lastConnectError;  // why the last connect failed (the "closed" detail while waiting)

  private:
    RpcError fail(RpcErrc code, std::string detail, const char* state);
    RpcError ioFailure(const transport::IoResult& r, const char* state);
    void report(const char* name, const char* state, const std::string& result);

    const RpcClientOptions& options_;
    const RpcTelemetry& telemetry_;
    transport::FrameStream stream_;
    wire::MessageAssembler assembler_;
    wire::MessageEncoder encoder_;
    uint64_t hskRef_ = 0;
    RpcRefs remote_;
    RpcMetrics metrics_;
    std::string funName_;
    std::optional<uint64_t> reqRef_;
    const char* event_ = "hsk";  // the event a failure is reported under
    Progress progress_ = Progress::NotSent;
    bool lostBeforeReply_ = false;
    uint64_t completed_ = 0;  // requests answered on this connection
    // The connection's turn as a relaying sidecar counts them (proxy/turn_timer.h): 1 for the
    // handshake, +1 for each request sent.
    uint64_t turn_ = 0;
    // Our socket's address, learned when the first event of the connection is published (no
    // system call while nobody listens); empty on unix sockets.
    std::string localAddress_;
    bool localAddressKnown_ = false;
};

}  // namespace meshx::rpc
