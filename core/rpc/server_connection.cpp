#include "rpc/server_connection.h"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "rpc/error_term.h"
#include "rpc/serialize/serializer_registry.h"
#include "rpc/wire/handshake_codec.h"
#include "rpc/wire/outer_framing.h"

namespace meshx::rpc {

using transport::Clock;
using transport::IoStatus;
using wire::WireError;

namespace {

// Largest frame we buffer: a block is at most blk_max_size + 1 plus its checksum trailer; allow
// generous room for custom checksums and the header, never the peer's announced size.
uint64_t maxFrameFor(const RpcCommonOptions& o) {
    return o.blkMaxSize + 64 * 1024;
}

}  // namespace

ServerConnection::ServerConnection(int fd, const RpcServerOptions& options,
                                   const Registry& registry, const RpcTelemetry& telemetry)
    : options_(options),
      registry_(registry),
      telemetry_(telemetry),
      stream_(fd),
      assembler_(wire::MessageAssembler::Role::Server, options.checksum, options.maxMessageSize),
      encoder_(options.checksum) {}

void ServerConnection::stop() {
    stopping_ = true;
    stream_.shutdown();
}

void ServerConnection::report(const char* name, const char* state, const std::string& result) {
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
    if (!peerAddressKnown_ && stream_.isOpen()) {
        peerAddress_ = transport::socketName(stream_.fd(), true);
        peerAddressKnown_ = true;
    }
    info.peerAddress = &peerAddress_;
    info.turn = turn_;
    telemetry_.publish(info, metrics_);
}

void ServerConnection::run() {
    if (handshake()) {
        while (!stopping_ && serveOne()) {
        }
    }
    stream_.close();
    finished_ = true;
}

bool ServerConnection::handshake() {
    turn_ = 1;
    const auto start = Clock::now();
    const auto deadline = start + options_.timeoutHsk;
    wire::ByteView payload;
    transport::IoResult r = stream_.readFrame(wire::kHandshakePrefix, 0xffff, deadline, payload);
    metrics_.hsk = RpcTelemetry::micros(start, Clock::now());
    if (!r.ok()) {
        report("hsk", "hsk",
               r.status == IoStatus::Timeout ? "error: timeout" : "error: tcp_closed");
        return false;
    }
    metrics_.blocksRecv = 1;
    metrics_.sizeRecv = payload.size();
    wire::Handshake req;
    WireError e = wire::decodeHandshake(payload, req);
    if (e == WireError::Ok && req.flag != wire::flag::kHskRequest)
        e = WireError::InvalidHskParams;
    if (e == WireError::UnknownFlag)
        e = WireError::InvalidHskParams;
    if (e == WireError::Ok) {
        e = wire::verifyHandshake(payload, req, options_.blkMaxSize, options_.sharedKey,
                                  options_.digestFn());
    }
    hskRef_ = req.hskRef;
    if (e != WireError::Ok) {
        if (!options_.quietOnHskError) {
            stream_.writeFrame(wire::kHandshakePrefix,
                               wire::encodeHandshakeError(wire::toString(e)), deadline);
        }
        report("hsk", "hsk", "error: " + std::string(wire::toString(e)));
        return false;
    }
    remote_ = {req.connRef, req.nodeRef, req.svcRef};
    assembler_.setPeerConnRef(req.connRef);

    wire::Handshake ack;
    ack.flag = wire::flag::kHskAck;
    ack.hskRef = req.hskRef;
    ack.connRef = options_.connRef;
    ack.blkMaxSize = options_.blkMaxSize;
    ack.svcRef = options_.svcRef;
    ack.nodeRef = options_.nodeRef;
    const wire::Bytes ackBytes =
        wire::encodeHandshake(ack, options_.sharedKey, options_.digestFn());
    // Our reads are already in 4-byte mode here, before the ack leaves: a client may send its
    // first request the moment it sees the ack (the original's race, reference §1 and §12).
    r = stream_.writeFrame(wire::kHandshakePrefix, ackBytes, deadline);
    metrics_.hsk = RpcTelemetry::micros(start, Clock::now());
    metrics_.blocksSend = 1;
    metrics_.sizeSend = ackBytes.size();
    report("hsk", "hsk", r.ok() ? "ok" : "error: tcp_closed");
    return r.ok();
}

std::optional<uint64_t> ServerConnection::reqRefFor(wire::ByteView badFrame) const {
    if (assembler_.inMessage())
        return assembler_.reqRef();
    if (badFrame.size() >= 9)
        return wire::loadBe(badFrame.data() + 1, 8);
    return std::nullopt;
}

std::optional<uint64_t> ServerConnection::errorReplyRef(WireError error,
                                                        wire::ByteView badFrame) const {
    if (options_.explainProtocolErrors)
        return reqRefFor(badFrame);
    switch (error) {
        case WireError::InvalidCks:
            // The original decodes the block (so knows its req_ref), then its checksum check
            // fails: 0xC7 invalid_cks.
            return reqRefFor(badFrame);
        case WireError::InvalidRef:
            // Only inside a message: on a first block the original has no req_ref yet and its
            // worker crashes building the error frame, closing with no reply (reference §11).
            if (assembler_.inMessage())
                return assembler_.reqRef();
            return std::nullopt;
        default:
            // A binary pattern that does not match (truncated field, unknown flag, trailer)
            // crashes the original's worker: the connection closes, nothing is answered.
            return std::nullopt;
    }
}

nlohmann::json ServerConnection::undefTerm() const {
    using nlohmann::json;
    // The stack's first frame as the original's worker reports it: {Mod, Fun, [Arg], []}. The
    // original adds its own worker's frame after it; that one names Elixir internals we lack.
    auto arg = SerializerRegistry::global().deserialize(arg_.serFlag, arg_.bytes);
    json argTerm = arg ? std::move(*arg) : json::binary(std::vector<uint8_t>(arg_.bytes));
    const json mfa = {
        {"$tuple", json::array({error_term::atom(options_.svcRef), error_term::atom(funName_),
                                json::array({std::move(argTerm)}), json::array()})}};
    return {{"$tuple", json::array({error_term::atom("undef"), json::array({mfa})})}};
}

void ServerConnection::sendError(uint64_t reqRef, const nlohmann::json& term) {
    const auto start = Clock::now();
    const size_t head = 1 + 8 + 1 + options_.connRef.size() + 1;
    const size_t room = options_.blkMaxSize > head ? options_.blkMaxSize - head : 0;
    Payload p = error_term::encode(term, options_.serializer, room);
    const wire::Bytes frame = wire::encodeErrorFrame(reqRef, options_.connRef, p.serFlag, p.bytes);
    stream_.writeFrame(wire::kBlockPrefix, frame, Clock::now() + options_.timeoutHsk);
    metrics_.send = RpcTelemetry::micros(start, Clock::now());
    metrics_.blocksSend += 1;
    metrics_.sizeSend += frame.size();
}

std::optional<RpcResult<Payload>> ServerConnection::execute(const RpcHandler& handler,
                                                            Payload&& arg) {
    if (!options_.timeoutExecute)
        return handler(std::move(arg));
    // A C++ thread cannot be killed: the call runs on a helper thread that is abandoned when it
    // overruns; the client gets `killed` as from the original, and the result is dropped.
    struct Job {
        std::mutex mutex;
        std::condition_variable done;
        std::optional<RpcResult<Payload>> result;
    };
    auto job = std::make_shared<Job>();
    std::thread([job, handler, a = std::move(arg)]() mutable {
        RpcResult<Payload> r = handler(std::move(a));
        std::lock_guard lock(job->mutex);
        job->result.emplace(std::move(r));
        job->done.notify_one();
    }).detach();
    std::unique_lock lock(job->mutex);
    if (!job->done.wait_for(lock, *options_.timeoutExecute,
                            [&] { return job->result.has_value(); })) {
        return std::nullopt;
    }
    return std::move(job->result);
}

bool ServerConnection::sendReply(uint64_t reqRef, const Payload& result) {
    if (encoder_.begin(wire::flag::kReplyFirst, options_.blkMaxSize, reqRef, options_.connRef,
                       result.serFlag, {}, result.bytes) != WireError::Ok) {
        sendError(reqRef, error_term::atom("invalid_pkt_size"));
        return false;
    }
    return stream_
        .writeMessage(encoder_, transport::kNoDeadline, metrics_.blocksSend, metrics_.sizeSend)
        .ok();
}

bool ServerConnection::serveOne() {
    const bool measure = telemetry_.enabled();
    metrics_ = RpcMetrics{};
    funName_.clear();
    reqRef_.reset();
    const auto idleStart = measure ? Clock::now() : Clock::time_point{};
    Clock::time_point recvStart{};
    wire::MessageAssembler::Event ev{};
    for (bool first = true;; first = false) {
        wire::ByteView payload;
        const transport::IoResult r = stream_.readFrame(wire::kBlockPrefix, maxFrameFor(options_),
                                                        transport::kNoDeadline, payload);
        if (first && measure) {
            recvStart = Clock::now();
            metrics_.idle = RpcTelemetry::micros(idleStart, recvStart);
        }
        if (first && r.ok())
            ++turn_;
        if (!r.ok()) {
            // EOF between requests is a normal goodbye; a broken outer frame closes like the
            // original's crashed worker (no reply: nothing trustworthy to answer).
            if (!first || r.status != IoStatus::Closed) {
                report("recv", "recv",
                       r.status == IoStatus::BadFrame
                           ? "error: " + std::string(wire::toString(r.wire))
                           : "error: tcp_closed");
            }
            return false;
        }
        const WireError e = assembler_.feed(payload, ev);
        if (e != WireError::Ok) {
            if (auto ref = errorReplyRef(e, payload)) {
                reqRef_ = *ref;
                sendError(*ref, error_term::atom(wire::toString(e)));
            }
            report("recv", "recv", "error: " + std::string(wire::toString(e)));
            return false;
        }
        if (ev == wire::MessageAssembler::Event::Message)
            break;
    }
    const bool cast = assembler_.isCast();
    const uint64_t reqRef = assembler_.reqRef();
    reqRef_ = reqRef;
    funName_ = assembler_.funName();
    metrics_.blocksRecv = assembler_.blocks();
    metrics_.sizeRecv = assembler_.frameBytes();
    arg_.serFlag = assembler_.serFlag();
    assembler_.takeData(arg_.bytes);
    const auto execStart = measure ? Clock::now() : Clock::time_point{};
    if (measure)
        metrics_.recv = RpcTelemetry::micros(recvStart, execStart);

    const auto it = registry_.find(funName_);
    if (cast) {
        // The ack means "received, checked and started", never "succeeded" (reference §5.5).
        const wire::Bytes ack = wire::encodeCastAck(reqRef, options_.connRef);
        const bool sent = stream_.writeFrame(wire::kBlockPrefix, ack, transport::kNoDeadline).ok();
        metrics_.blocksSend = 1;
        metrics_.sizeSend = ack.size();
        if (it != registry_.end())
            (void)execute(it->second, std::move(arg_));
        if (measure)
            metrics_.exec = RpcTelemetry::micros(execStart, Clock::now());
        report("cast", "exec", it == registry_.end() ? "error: undef" : "ok");
        return sent;
    }
    if (it == registry_.end()) {
        // Only registered names run; anything else gets the original's undef term.
        sendError(reqRef, undefTerm());
        report("call", "exec", "error: undef");
        return false;
    }
    std::optional<RpcResult<Payload>> result = execute(it->second, std::move(arg_));
    const auto sendStart = measure ? Clock::now() : Clock::time_point{};
    if (measure)
        metrics_.exec = RpcTelemetry::micros(execStart, sendStart);
    if (!result) {
        sendError(reqRef, error_term::atom("killed"));
        report("call", "exec", "error: killed");
        return false;
    }
    if (!result->ok()) {
        sendError(reqRef, error_term::fromError(result->error()));
        report("call", "exec", "error: " + result->error().toString());
        return false;
    }
    if (measure) {
        metrics_.serNs = (*result)->serNs;
        metrics_.dserNs = (*result)->dserNs;
        metrics_.exec =
            std::max<int64_t>(0, metrics_.exec - (metrics_.serNs + metrics_.dserNs) / 1000);
    }
    const bool sent = sendReply(reqRef, **result);
    if (measure)
        metrics_.send = RpcTelemetry::micros(sendStart, Clock::now());
    report("call", "send", sent ? "ok" : "error: tcp_closed");
    // Keep the result's buffer for the next request's argument (no fresh pages per call).
    arg_.bytes = std::move((*result)->bytes);
    return sent;
}

}  // namespace meshx::rpc
