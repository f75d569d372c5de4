#pragma once

#include <string>
#include <string_view>

namespace meshx {

// Error codes crossing module boundaries. The snake_case names printed by codeName() are part of
// the user interface (CLI --json output, console hint lines) and mirror MeshxConsul/MeshxRpc.
enum class Code {
    InvalidArgument,      // caller passed something malformed (address, option, JSON)
    ParseError,           // input text could not be parsed
    TemplateError,        // a Mustache template could not be rendered
    MissingKey,           // a template referenced a key absent from the hash
    AgentUnreachable,     // transport failure talking to the Consul agent
    PermissionDenied,     // 403 from the agent
    NotFound,             // 404 or an unknown id
    HttpError,            // any other non-2xx reply
    AlreadyStarted,       // service owned by us and passing
    ServiceNotOwned,      // service registered by someone else and passing
    InvalidState,         // service owned by us but not passing
    ServiceAliveTimeout,  // service did not become passing in time
    PortRangeExhausted,   // no free port in the configured range
    ProxyFailed,          // sidecar proxy could not be launched or keeps dying
    Timeout,
    Closed,         // peer closed the connection
    ProtocolError,  // peer sent bytes that break the protocol
    IoError,
    Internal,
    RemoteError,  // the remote side of a call raised (Erlang badrpc/erpc error, RPC remote)
};

// Stable snake_case name of a code, e.g. "service_not_owned".
std::string_view codeName(Code code);

struct Error {
    Code code = Code::Internal;
    std::string message;

    // "service_not_owned: web-host1 is registered by another owner"
    std::string toString() const;
};

inline Error makeError(Code code, std::string message) {
    return Error{code, std::move(message)};
}

}  // namespace meshx
