#pragma once

#include "common/error.h"

namespace meshx::mesh {

// When the socket a claimed port was meant for still cannot bind it (a program that knows nothing
// of port claims took it between the claim's probe and the bind), the engine moves on to the next
// port instead of failing the start. Bounded, so a machine out of ports fails in a few steps.
constexpr int kBindAttempts = 5;

// Whether `error` is a bind/listen failure because the address is in use (EADDRINUSE). Errors
// carry strerror() text or Qt's AddressInUseError wording rather than a code of their own, so
// this is where the two spellings are recognised. Any thread.
bool isAddressInUse(const Error& error);

}  // namespace meshx::mesh
