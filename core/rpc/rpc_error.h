#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/result.h"
#include "rpc/wire/wire_error.h"

namespace meshx::rpc {

// Why an RPC failed. toString() prints MeshxRpc's error atom where the original has one, so logs
// and CLI output read the same as the Elixir client's {:error_rpc, reason}.
enum class RpcErrc : uint8_t {
    Full,              // full: no pool worker could be checked out
    Closed,            // closed: the worker has no handshaken connection (retryable by default)
    TcpClosed,         // tcp_closed: the connection dropped mid-request (retryable by default)
    Timeout,           // timeout: the caller's call timeout passed; the connection was dropped
    ConnectFailed,     // the socket could not be connected (refused, timeout_connect...)
    TimeoutHsk,        // timeout_hsk: no handshake reply in time
    InvalidHskParams,  // invalid_hsk_params: version or blk_max_size differ
    InvalidDigest,     // invalid_digest: shared key (or digest function) differs
    InvalidRef,        // invalid_ref: hsk_ref/conn_ref/req_ref/seq integrity broken
    InvalidCks,        // invalid_cks: block checksum differs
    TimeoutCks,        // timeout_cks (the original's checksum worker timeout; kept for peers)
    InvalidPktSize,    // invalid_pkt_size: blk_max_size too small for the headers
    InvalidState,      // invalid_state: a peer spoke out of turn
    Undef,             // undef: the server has no such function
    Killed,            // killed: the function ran over timeout_execute and was abandoned
    TimeoutCallExec,   // timeout_call_exec: the server's backstop execution timeout
    BadFrame,          // the peer's bytes break the framing (truncated, unknown flag...)
    Serialization,     // a value could not be (de)serialized
    Remote,            // any other error term returned by the server function
    Io,                // another socket error
};

std::string_view toString(RpcErrc code);
// The RpcErrc whose toString() is `name` (a remote error atom); Remote when none.
RpcErrc rpcErrcFromName(std::string_view name);
// MeshxRpc's default exec_retry_on_error list: closed and tcp_closed.
bool isRetryableByDefault(RpcErrc code);

struct RpcError {
    RpcErrc code = RpcErrc::Remote;
    std::string detail;               // words for people; never holds the shared key
    nlohmann::json remote = nullptr;  // the server's error term, decoded, when there was one
    wire::WireError wire = wire::WireError::Ok;

    // "killed: function echo exceeded timeout_execute"
    std::string toString() const;
    // The project-wide error (code mapped: Timeout, Closed, ProtocolError, NotFound...).
    Error toError() const;
};

// A value or an RpcError: the project's one Result with the RPC layer's error type.
template <typename T>
using RpcResult = Result<T, RpcError>;

}  // namespace meshx::rpc
