// Fuzz entry point: parse any text as a display filter; when it parses, evaluate it against a
// client and a server record and check the error contract (position inside the text).

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "telemetry/filter/event_filter.h"
#include "telemetry/rpc_record.h"

using meshx::telemetry::EventFilter;
using meshx::telemetry::FilterError;
using meshx::telemetry::RpcRecord;

namespace {

RpcRecord sample(bool client) {
    RpcRecord r;
    r.seq = 42;
    r.timeUs = 1'700'000'000'000'000;
    r.source = client ? "rpc.client" : "rpc.server";
    r.event = "call";
    r.fun = "echo";
    r.kind = "call";
    r.result = client ? "ok" : "error: undef";
    r.state = "recv";
    r.address = "tcp://127.0.0.1:41001";
    r.hskRef = 3;
    if (client)
        r.reqRef = 99;
    r.localConn = "NJeJWw";
    r.localSvc = "C";
    r.remoteConn = "a8h14A";
    r.remoteSvc = "provider-1";
    r.sizeSend = 1500;
    r.tExec = 2500;
    return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size > 4096)
        return 0;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    static const RpcRecord client = sample(true);
    static const RpcRecord server = sample(false);
    FilterError detail;
    auto filter = EventFilter::parse(text, &detail);
    if (filter) {
        (void)filter->matches(client);
        (void)filter->matches(server);
    } else if (detail.position > size || detail.message.empty()) {
        std::abort();
    }
    return 0;
}
