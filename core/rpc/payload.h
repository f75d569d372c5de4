#pragma once

#include <cstdint>

#include "rpc/wire/bytes.h"

namespace meshx::rpc {

// One serialized argument or result: the ser_flag byte and the bytes it describes (§7). Handlers
// and callers that move raw bytes use it directly and pay no (de)serialization.
struct Payload {
    uint8_t serFlag = 0;
    wire::Bytes bytes;
};

}  // namespace meshx::rpc
