#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "net/address.h"
#include "rpc/rpc_error.h"
#include "rpc/wire/checksum.h"
#include "rpc/wire/flags.h"

namespace meshx::telemetry {
class TelemetryBus;
}

namespace meshx::rpc {

using Millis = std::chrono::milliseconds;

// MeshxRpc's common configuration (docs/rpc-options.md has the table with the original names).
// Both peers must agree on blkMaxSize, sharedKey, digest, checksum and serializer: only the first
// three are checked (at the handshake).
struct RpcCommonOptions {
    net::Address address;          // address (required): tcp://host:port or unix:///path
    std::string id = "meshx_rpc";  // pool id: default svc_ref and telemetry prefix
    uint64_t blkMaxSize = wire::kDefaultBlkMaxSize;  // blk_max_size, 200..268435456
    const wire::Checksum* checksum = nullptr;        // cks_mfa: nil = off; Crc32Checksum to enable
    const wire::Checksum* digest = nullptr;          // hsk_dgt_mfa: null = CRC-32
    std::string connRef;  // conn_ref_mfa: empty = random 1..2^32-1, minimal unsigned
    std::string svcRef;   // svc_ref_mfa: empty = id
    std::string nodeRef = "nonode@nohost";  // node_ref_mfa (we are no Erlang node)
    std::string serializer = "default";     // serialize_mfa/deserialize_mfa: registry name
    bool quietOnHskError = false;           // quiet_on_hsk_error?
    std::string sharedKey;                  // shared_key; never logged or put in telemetry
    bool noDelay = true;  // socket_opts: TCP_NODELAY (the original leaves Nagle on)
    std::vector<std::string> telemetryPrefix;  // telemetry_prefix: empty = ["meshx_rpc", id]
    Millis timeoutHsk{5000};                   // timeout_hsk
    Millis timeoutCks{500};  // timeout_cks: accepted; checksums run inline, so it cannot fire
    uint64_t maxMessageSize = 256ull << 20;  // ours: refuse a message larger than this (bytes)
    telemetry::TelemetryBus* bus = nullptr;  // ours: null = TelemetryBus::global()

    // Fills defaults (refs) and checks ranges: blk_max_size, refs <= 255 bytes, known serializer.
    // Errors: InvalidArgument.
    Status finish();
    const wire::Checksum& digestFn() const;
    std::vector<std::string> prefix() const;
};

// MeshxRpc.Server.Pool options.
struct RpcServerOptions : RpcCommonOptions {
    std::optional<Millis> timeoutExecute;  // timeout_execute: nullopt = infinity
    size_t maxConnections = 1024;          // pool_opts (ranch max_connections)
    // Ours: answer a broken request the original answers by closing (its worker crashes:
    // truncated fields, unknown flag, bad conn_ref on a first block...) with a 0xC7 frame naming
    // the fault (truncated_frame, unknown_flag, invalid_ref). Off = the original's behaviour.
    bool explainProtocolErrors = false;
};

// MeshxRpc.Client.Pool options plus the call/6 defaults.
struct RpcClientOptions : RpcCommonOptions {
    enum class Strategy { Lifo, Fifo };
    size_t size = 5;                                       // pool_opts size (poolboy's default)
    size_t maxOverflow = 10;                               // pool_opts max_overflow
    Strategy strategy = Strategy::Lifo;                    // pool_opts strategy
    std::optional<Millis> idleReconnect = Millis{600000};  // idle_reconnect (±10%); nullopt = never
    // Ours: a connection this old (±10%) is closed at its next check-in and dialled again. Busy
    // pools keep their connections for ever, so behind an L4 sidecar that balances connections
    // (not calls) one early ejection would skew them for good; an age limit spreads them again.
    // nullopt = never (the original's behaviour).
    std::optional<Millis> connMaxAge;
    Millis retryIdleError{1000};  // retry_idle_error (±10%)
    Millis retryHskFail{5000};    // retry_hsk_fail (±10%)
    Millis retryProxyFail{1000};  // retry_proxy_fail (±10%)
    Millis timeoutConnect{5000};  // timeout_connect
    std::vector<RpcErrc> execRetryOnError{RpcErrc::Closed,
                                          RpcErrc::TcpClosed};  // exec_retry_on_error
    std::optional<Millis> callTimeout;  // call/6 timeout: nullopt = infinity
    int retries = 5;                    // call/6 retry
    Millis retrySleep{100};             // call/6 retry_sleep, doubled per retry, ±10%
};

// A random conn_ref like MeshxRpc's default: 1..2^32-1 written minimal unsigned.
std::string randomConnRef();
// MeshxRpc's T.rand_retry: `base` ± `percent`% (uniform). Any thread.
Millis jitter(Millis base, int percent = 10);

}  // namespace meshx::rpc
