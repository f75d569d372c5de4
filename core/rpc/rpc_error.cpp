#include "rpc/rpc_error.h"

#include <array>

namespace meshx::rpc {

namespace {
constexpr std::array<std::pair<RpcErrc, std::string_view>, 20> kNames{{
    {RpcErrc::Full, "full"},
    {RpcErrc::Closed, "closed"},
    {RpcErrc::TcpClosed, "tcp_closed"},
    {RpcErrc::Timeout, "timeout"},
    {RpcErrc::ConnectFailed, "connect_failed"},
    {RpcErrc::TimeoutHsk, "timeout_hsk"},
    {RpcErrc::InvalidHskParams, "invalid_hsk_params"},
    {RpcErrc::InvalidDigest, "invalid_digest"},
    {RpcErrc::InvalidRef, "invalid_ref"},
    {RpcErrc::InvalidCks, "invalid_cks"},
    {RpcErrc::TimeoutCks, "timeout_cks"},
    {RpcErrc::InvalidPktSize, "invalid_pkt_size"},
    {RpcErrc::InvalidState, "invalid_state"},
    {RpcErrc::Undef, "undef"},
    {RpcErrc::Killed, "killed"},
    {RpcErrc::TimeoutCallExec, "timeout_call_exec"},
    {RpcErrc::BadFrame, "bad_frame"},
    {RpcErrc::Serialization, "serialization_fail"},
    {RpcErrc::Remote, "remote"},
    {RpcErrc::Io, "io_error"},
}};
}  // namespace

std::string_view toString(RpcErrc code) {
    for (const auto& [c, name] : kNames) {
        if (c == code)
            return name;
    }
    return "unknown";
}

RpcErrc rpcErrcFromName(std::string_view name) {
    for (const auto& [c, n] : kNames) {
        if (n == name)
            return c;
    }
    return RpcErrc::Remote;
}

bool isRetryableByDefault(RpcErrc code) {
    return code == RpcErrc::Closed || code == RpcErrc::TcpClosed;
}

std::string RpcError::toString() const {
    std::string out(rpc::toString(code));
    if (!detail.empty())
        out += ": " + detail;
    return out;
}

Error RpcError::toError() const {
    Code c = Code::ProtocolError;
    switch (code) {
        case RpcErrc::Timeout:
        case RpcErrc::TimeoutHsk:
        case RpcErrc::TimeoutCks:
        case RpcErrc::TimeoutCallExec:
        case RpcErrc::Killed:
            c = Code::Timeout;
            break;
        case RpcErrc::Closed:
        case RpcErrc::TcpClosed:
            c = Code::Closed;
            break;
        case RpcErrc::Full:
            c = Code::InvalidState;
            break;
        case RpcErrc::Undef:
            c = Code::NotFound;
            break;
        case RpcErrc::ConnectFailed:
        case RpcErrc::Io:
            c = Code::IoError;
            break;
        case RpcErrc::Serialization:
            c = Code::InvalidArgument;
            break;
        case RpcErrc::Remote:
            c = Code::Internal;
            break;
        default:
            c = Code::ProtocolError;
            break;
    }
    return makeError(c, toString());
}

}  // namespace meshx::rpc
