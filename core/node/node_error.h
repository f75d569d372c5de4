#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/error.h"

namespace meshx::node {

// Errors leave this module as meshx::Error. The ones callers may want to take apart have one
// fixed message form and a reader:
//
//   remote exception   RemoteError       "badrpc from <node>: <reason term in Erlang syntax>"
//   wrong cookie       PermissionDenied  "peer refused the handshake: wrong cookie? (node <n> at
//   <addr>)"
//
// A remote exception is the peer's rex server answering {badrpc, Reason} (an error or exit in
// the called function, or an undefined function); throws come back as plain values, as with
// rpc:call/4. The reader below takes the reason term text back out of the message.
// Cookies never appear in any message.

inline constexpr std::string_view kBadRpcPrefix = "badrpc from ";
inline constexpr std::string_view kWrongCookie = "peer refused the handshake: wrong cookie?";

Error makeRemoteException(std::string_view node, std::string_view reasonText);

// The reason term text of a remote exception; nullopt for any other error.
std::optional<std::string> remoteExceptionReason(const Error& error);

Error makeHandshakeRefused(std::string_view node, std::string_view endpoint);

}  // namespace meshx::node
