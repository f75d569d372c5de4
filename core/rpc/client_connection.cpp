#include "rpc/client_connection.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <atomic>
#include <cstring>

#include "rpc/error_term.h"
#include "rpc/serialize/serializer_registry.h"
#include "rpc/wire/handshake_codec.h"
#include "rpc/wire/outer_framing.h"

namespace meshx::rpc {

using transport::Clock;
using transport::IoStatus;
using wire::WireError;

namespace {

// Unique positive integers per process, like System.unique_integer([:positive]).
uint64_t uniqueRef() {
    static std::atomic<uint64_t> next{1};
    return next.fetch_add(1, std::memory_order_relaxed);
}

RpcErrc fromWire(WireError e) {
    switch (e) {
        case WireError::InvalidHskParams:
            return RpcErrc::InvalidHskParams;
        case WireError::InvalidDigest:
            return RpcErrc::InvalidDigest;
        case WireError::InvalidRef:
            return RpcErrc::InvalidRef;
        case WireError::InvalidCks:
            return RpcErrc::InvalidCks;
        case WireError::InvalidPktSize:
            return RpcErrc::InvalidPktSize;
        default:
            return RpcErrc::BadFrame;
    }
}

}  // namespace

ClientConnection::ClientConnection(const RpcClientOptions& options, const RpcTelemetry& telemetry)
    : options_(options),
      telemetry_(telemetry),
      assembler_(wire::MessageAssembler::Role::Client, options.checksum, options.maxMessageSize),
      encoder_(options.checksum) {}

void ClientConnection::close() {
    stream_.close();
}

void ClientConnection::report(const char* name, const char* state, const std::string& result) {
    if (!telemetry_.enabled())
        return;
    RpcEventInfo info;
    info.name = name;
    info.state = state;
    info.funName = funName_;
    info.hskRef = hskRef_;
    info.reqRef = reqRef_;
    info.result = result;
    info.remote = &remote_;
    if (!localAddressKnown_ && connected()) {
        localAddress_ = transport::socketName(stream_.fd(), false);
        localAddressKnown_ = true;
    }
    info.localAddress = &localAddress_;
    info.turn = turn_;
    telemetry_.publish(info, metrics_);
}

RpcError ClientConnection::fail(RpcErrc code, std::string detail, const char* state) {
    close();
    RpcError e{code, std::move(detail), nullptr, WireError::Ok};
    report(event_, state, "error: " + e.toString());
    return e;
}

RpcError ClientConnection::ioFailure(const transport::IoResult& r, const char* state) {
    switch (r.status) {
        case IoStatus::Timeout:
            return fail(RpcErrc::Timeout, "no reply before the call timeout", state);
        case IoStatus::BadFrame: {
            RpcError e = fail(RpcErrc::BadFrame, std::string(wire::toString(r.wire)), state);
            e.wire = r.wire;
            return e;
        }
        case IoStatus::Failed:
            return fail(RpcErrc::Io, std::strerror(r.err), state);
        default:
            return fail(RpcErrc::TcpClosed, "connection closed by the peer", state);
    }
}

void ClientConnection::reportResend(bool wasFresh, Progress progress) {
    // "resend" alone never says "ok": a reader counting results must see that a copy went twice
    // when the first may have run.
    const bool mayHaveRun = progress == Progress::Sent;
    std::string result = "resend: tcp_closed before any reply";
    result += wasFresh ? " on a fresh connection" : " on a connection that had worked";
    result += mayHaveRun ? " (request was sent: may have executed)" : " (request not fully sent)";
    report(event_, "resend", result);
}

std::optional<RpcError> ClientConnection::connect() {
    close();
    completed_ = 0;
    turn_ = 0;
    localAddress_.clear();
    localAddressKnown_ = false;
    event_ = "hsk";
    funName_.clear();
    reqRef_.reset();
    metrics_ = RpcMetrics{};
    const auto start = Clock::now();
    auto fd = transport::connectTo(options_.address, options_.timeoutConnect);
    if (!fd) {
        RpcError e{RpcErrc::ConnectFailed, fd.error().message, nullptr, WireError::Ok};
        report("hsk", "closed", "error: " + e.toString());
        return e;
    }
    stream_.reset(*fd);
    if (!options_.noDelay && options_.address.isTcp()) {
        int zero = 0;
        ::setsockopt(*fd, IPPROTO_TCP, TCP_NODELAY, &zero, sizeof zero);
    }
    hskRef_ = uniqueRef();
    turn_ = 1;
    wire::Handshake req;
    req.flag = wire::flag::kHskRequest;
    req.hskRef = hskRef_;
    req.connRef = options_.connRef;
    req.blkMaxSize = options_.blkMaxSize;
    req.svcRef = options_.svcRef;
    req.nodeRef = options_.nodeRef;
    const wire::Bytes reqBytes =
        wire::encodeHandshake(req, options_.sharedKey, options_.digestFn());
    const auto deadline = Clock::now() + options_.timeoutHsk;
    if (auto r = stream_.writeFrame(wire::kHandshakePrefix, reqBytes, deadline); !r.ok()) {
        return ioFailure(r, "hsk");
    }
    metrics_.blocksSend = 1;
    metrics_.sizeSend = reqBytes.size();
    wire::ByteView payload;
    if (auto r = stream_.readFrame(wire::kHandshakePrefix, 0xffff, deadline, payload); !r.ok()) {
        if (r.status == IoStatus::Timeout)
            return fail(RpcErrc::TimeoutHsk, "no handshake reply", "hsk");
        return ioFailure(r, "hsk");
    }
    metrics_.blocksRecv = 1;
    metrics_.sizeRecv = payload.size();
    metrics_.hsk = RpcTelemetry::micros(start, Clock::now());
    if (!payload.empty() && payload[0] == wire::flag::kHskError) {
        std::string text;
        (void)wire::decodeHandshakeError(payload, text);
        const RpcErrc code = rpcErrcFromName(text);
        return fail(code == RpcErrc::Remote ? RpcErrc::InvalidHskParams : code,
                    "server refused the handshake: " + text, "hsk");
    }
    wire::Handshake ack;
    WireError e = wire::decodeHandshake(payload, ack);
    if (e == WireError::Ok && ack.flag != wire::flag::kHskAck)
        e = WireError::InvalidHskParams;
    if (e == WireError::UnknownFlag)
        e = WireError::InvalidHskParams;
    if (e == WireError::Ok) {
        e = wire::verifyHandshake(payload, ack, options_.blkMaxSize, options_.sharedKey,
                                  options_.digestFn());
    }
    if (e == WireError::Ok && ack.hskRef != hskRef_)
        e = WireError::InvalidRef;
    if (e != WireError::Ok)
        return fail(fromWire(e), "bad handshake ack", "hsk");
    remote_ = {ack.connRef, ack.nodeRef, ack.svcRef};
    assembler_.setPeerConnRef(ack.connRef);
    report("hsk", "hsk", "ok");
    return std::nullopt;
}

RpcResult<Payload> ClientConnection::request(bool cast, std::string_view funName,
                                             const Payload& arg, transport::Deadline deadline) {
    funName_.assign(funName);
    const uint64_t reqRef = uniqueRef();
    reqRef_ = reqRef;
    const char* event = cast ? "cast" : "call";
    event_ = event;
    progress_ = Progress::NotSent;
    lostBeforeReply_ = false;
    if (!connected()) {
        RpcError e{RpcErrc::Closed, "worker has no connection", nullptr, WireError::Ok};
        report(event, "closed", "error: closed");
        return e;
    }
    ++turn_;
    const bool measure = telemetry_.enabled();
    metrics_ = RpcMetrics{};
    metrics_.serNs = arg.serNs;
    const auto sendStart = measure ? Clock::now() : Clock::time_point{};
    if (encoder_.begin(cast ? wire::flag::kCastFirst : wire::flag::kCallFirst, options_.blkMaxSize,
                       reqRef, options_.connRef, arg.serFlag, funName,
                       arg.bytes) != WireError::Ok) {
        return fail(RpcErrc::InvalidPktSize, "blk_max_size too small for the headers", "send");
    }
    if (auto r = stream_.writeMessage(encoder_, deadline, metrics_.blocksSend, metrics_.sizeSend);
        !r.ok()) {
        progress_ = metrics_.blocksSend > 0 ? Progress::PartlySent : Progress::NotSent;
        lostBeforeReply_ = r.status == IoStatus::Closed;
        return ioFailure(r, "send");
    }
    progress_ = Progress::Sent;
    const auto recvStart = measure ? Clock::now() : Clock::time_point{};
    if (measure)
        metrics_.send = RpcTelemetry::micros(sendStart, recvStart);

    assembler_.expectReply(reqRef);
    wire::MessageAssembler::Event ev{};
    do {
        wire::ByteView payload;
        const auto maxFrame = options_.blkMaxSize + 64 * 1024;
        if (auto r = stream_.readFrame(wire::kBlockPrefix, maxFrame, deadline, payload); !r.ok()) {
            // Nothing of the reply buffered and no block taken: the peer went away before
            // answering (a dead provider, or the Elixir server's framing race).
            lostBeforeReply_ = r.status == IoStatus::Closed && stream_.buffered() == 0 &&
                               progress_ == Progress::Sent;
            return ioFailure(r, "recv");
        }
        progress_ = Progress::ReplyStarted;
        if (WireError e = assembler_.feed(payload, ev); e != WireError::Ok) {
            RpcError err = fail(fromWire(e), "bad reply frame", "recv");
            err.wire = e;
            return err;
        }
    } while (ev == wire::MessageAssembler::Event::NeedMore);
    metrics_.blocksRecv = assembler_.blocks();
    metrics_.sizeRecv = assembler_.frameBytes();
    if (measure)
        metrics_.recv = RpcTelemetry::micros(recvStart, Clock::now());

    Payload out;
    out.serFlag = assembler_.serFlag();
    assembler_.takeData(out.bytes);
    if (ev == wire::MessageAssembler::Event::ErrorReply) {
        // The server closes after an error frame; so do we (the pool reconnects at once).
        auto term = SerializerRegistry::global().deserialize(out.serFlag, out.bytes);
        RpcError err =
            term ? error_term::toError(*term)
                 : RpcError{RpcErrc::Remote, "undecodable error term", nullptr, WireError::Ok};
        close();
        report(event, "recv", "error: " + err.toString());
        return err;
    }
    if (cast != (ev == wire::MessageAssembler::Event::CastAck)) {
        return fail(RpcErrc::InvalidState, "reply kind does not match the request", "recv");
    }
    ++completed_;
    if (arg.decodeReply != nullptr) {
        // Decoded before the call event is published, so it carries the client's time.dser.
        const auto decodeStart = Clock::now();
        (*arg.decodeReply)(out);
        metrics_.dserNs = RpcTelemetry::nanos(decodeStart, Clock::now());
    }
    report(event, "recv", "ok");
    return out;
}

}  // namespace meshx::rpc
