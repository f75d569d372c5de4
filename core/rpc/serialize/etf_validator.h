#pragma once

#include <cstddef>
#include <string>

#include "rpc/wire/bytes.h"

namespace meshx::rpc {

// ei's decoders trust the lengths inside a term and have no end-of-buffer parameter, so peer
// bytes are walked here first: every tag, length and arity must fit in the buffer, nesting is
// bounded, and only tags that term_to_binary/1 writes without compression are accepted.
// Pure; any thread.
class EtfValidator {
  public:
    static constexpr int kMaxDepth = 256;

    // True when `bytes` is exactly one versioned term (0x83 ...). On false, `why` says what broke.
    static bool validate(wire::ByteView bytes, std::string& why);

    // Length in bytes of the one term that starts `bytes` (a tag, no version byte), walked as
    // validate() walks it; 0 when it does not fit. Decoders skip terms with this instead of
    // ei_skip_term, which decodes a fun's insides that validate() only sized.
    static std::size_t termLength(wire::ByteView bytes);
};

}  // namespace meshx::rpc
