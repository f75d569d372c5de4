#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <string>

#include "rpc/rpc_handler.h"
#include "rpc/rpc_options.h"
#include "rpc/rpc_telemetry.h"
#include "rpc/transport/frame_stream.h"
#include "rpc/wire/message_assembler.h"
#include "rpc/wire/message_encoder.h"

namespace meshx::rpc {

// One accepted connection of an RpcServer, run by its own thread: handshake, then
// recv -> exec -> send until the peer leaves, an error frame is sent (the connection then closes,
// as in the original), or the server stops. Reuses its read buffer, block buffers and encoder.
class ServerConnection {
  public:
    using Registry = std::map<std::string, RpcHandler, std::less<>>;

    ServerConnection(int fd, const RpcServerOptions& options, const Registry& registry,
                     const RpcTelemetry& telemetry);

    // Connection thread: returns when the connection is over.
    void run();
    // Any thread: wakes the connection thread so run() returns soon.
    void stop();
    bool finished() const { return finished_.load(); }

  private:
    bool handshake();
    bool serveOne();
    // Runs the handler, on a helper thread when timeout_execute is set. Empty optional = killed.
    std::optional<RpcResult<Payload>> execute(const RpcHandler& handler, Payload&& arg);
    bool sendReply(uint64_t reqRef, const Payload& result);
    // Sends a 0xC7 frame with `term` (best effort) and reports the error; the caller closes.
    void sendError(uint64_t reqRef, const nlohmann::json& term);
    // The req_ref to answer a bad frame with: the message's, else the frame's own; nullopt = none.
    std::optional<uint64_t> reqRefFor(wire::ByteView badFrame) const;
    // Whether a bad request gets a 0xC7 frame or just a close, and with which req_ref.
    std::optional<uint64_t> errorReplyRef(wire::WireError error, wire::ByteView badFrame) const;
    // The original's {undef, [{Mod, Fun, [Arg], []}]} for a call of an unregistered name.
    nlohmann::json undefTerm() const;
    void report(const char* name, const char* state, const std::string& result);

    const RpcServerOptions& options_;
    const Registry& registry_;
    const RpcTelemetry& telemetry_;
    transport::FrameStream stream_;
    wire::MessageAssembler assembler_;
    wire::MessageEncoder encoder_;
    std::atomic<bool> finished_{false};
    std::atomic<bool> stopping_{false};

    uint64_t hskRef_ = 0;
    RpcRefs remote_;
    Payload arg_;
    RpcMetrics metrics_;
    std::string funName_;
    std::optional<uint64_t> reqRef_;
    // The connection's turn as a relaying sidecar counts them (proxy/turn_timer.h): 1 for the
    // handshake, +1 for each request that began to arrive.
    uint64_t turn_ = 0;
    // The peer's address, learned when the first event is published (no system call while
    // nobody listens); empty on unix sockets. Behind a sidecar: the sidecar's dialled address.
    std::string peerAddress_;
    bool peerAddressKnown_ = false;
};

}  // namespace meshx::rpc
