#pragma once

#include <cstdint>

#include "rpc/wire/bytes.h"

namespace meshx::rpc {

// One serialized argument or result: the ser_flag byte and the bytes it describes (§7). Handlers
// and callers that move raw bytes use it directly and pay no (de)serialization.
//
// serUs/dserUs are not sent: they carry the microseconds a JSON layer spent (de)serializing this
// payload to the connection that publishes the request's telemetry (metrics time.ser/time.dser).
struct Payload {
    uint8_t serFlag = 0;
    wire::Bytes bytes;
    int64_t serUs = 0;   // time spent producing `bytes` (caller's ser, or the server's result ser)
    int64_t dserUs = 0;  // server: time spent decoding the argument this result answers
};

}  // namespace meshx::rpc
