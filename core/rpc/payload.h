#pragma once

#include <cstdint>
#include <functional>

#include "rpc/wire/bytes.h"

namespace meshx::rpc {

// One serialized argument or result: the ser_flag byte and the bytes it describes (§7). Handlers
// and callers that move raw bytes use it directly and pay no (de)serialization.
//
// serNs/dserNs and decodeReply are never sent (the wire stays MeshxRpc's): they carry the
// nanoseconds a JSON layer spent (de)serializing this payload to the connection that publishes
// the request's telemetry (metrics time.ser/time.dser), measured with steady_clock.
struct Payload {
    // A caller's decoder of the reply: the connection runs it on a successful reply before it
    // publishes the call event, so the client's time.dser is measured (callJson sets it).
    using ReplyDecoder = std::function<void(const Payload& reply)>;

    uint8_t serFlag = 0;
    wire::Bytes bytes;
    int64_t serNs = 0;   // time spent producing `bytes` (caller's ser, or the server's result ser)
    int64_t dserNs = 0;  // server: time spent decoding the argument this result answers
    const ReplyDecoder* decodeReply = nullptr;  // a call's argument only; not owned
};

}  // namespace meshx::rpc
