#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "common/result.h"
#include "net/address.h"
#include "telemetry/tap/tap_process.h"

namespace meshx::telemetry {

class TelemetryBus;

// Serves this process's telemetry bus as a live tap: HTTP/1.1 streaming of JSON lines
// (docs/taps.md), on a loopback TCP port or a unix socket.
//
//   GET /v1/tap?filter=<display filter>&source=<a,b>   200 application/x-ndjson, chunked:
//                                                      hello, then events and heartbeats
//   GET /v1/tap/info                                   200 application/json: process, schema
//
// Threads: one thread of its own runs a poll() loop over the listening socket and the
// subscribers' sockets; no Qt event loop, so epoll programs (meshx-proxy) can serve a tap too.
// Producers are never touched: each subscriber holds one bounded bus subscription that the tap
// thread drains every `tick`, filters (non-matching events are never serialised), serialises and
// writes with non-blocking sends. A subscriber that does not read stops being drained once
// `maxBufferedBytes` wait unsent, so its bus queue fills and drops (counted, sent in heartbeats)
// while publish() stays a short ring push. Without subscribers the tap holds no subscription and
// costs the data path nothing.
//
// Secrets: the stream carries events only, and events never hold keys, cookies or tokens. When
// `requiredToken` is set, every request must send a token in X-Consul-Token (403 otherwise); the
// token is never logged nor echoed. Without a token check it must equal `requiredToken` (the
// process's own); with a token check (setTokenCheck: the agent's ACLs, see
// consul/service_read_check.h) the check alone decides, on a thread of its own so the tap thread
// never waits on the agent.
class TapServer {
  public:
    // Whether a subscriber's token may read this tap: true allowed, false denied (403), an Error
    // when no decision could be had (503). Runs on a short-lived thread; must bound its time.
    using TokenCheck = std::function<Result<bool>(const std::string& token)>;

    struct Options {
        net::Address listen = net::Address::tcp("127.0.0.1", 0);
        TelemetryBus* bus = nullptr;  // null: TelemetryBus::global()
        TapProcess process;
        size_t maxSubscribers = 16;   // streaming subscribers; beyond: 503
        size_t queueCapacity = 8192;  // bus queue per subscriber, in events
        std::chrono::milliseconds heartbeat{2000};
        std::chrono::milliseconds tick{20};    // how often subscriptions are drained
        size_t maxBufferedBytes = 256 * 1024;  // unsent bytes per subscriber before it is paused
        std::string requiredToken;             // non-empty: X-Consul-Token must equal it
    };

    explicit TapServer(Options options);
    // Stops (joins the tap thread). The owning thread.
    ~TapServer();
    TapServer(const TapServer&) = delete;
    TapServer& operator=(const TapServer&) = delete;

    // Binds and starts the tap thread; returns the bound address (port 0 read back). Errors:
    // IoError (bind, listen), InvalidArgument (bad socket path), AlreadyStarted. Owning thread.
    Result<net::Address> start();
    // Ends every stream (a last empty chunk, best effort), closes the sockets, joins the thread;
    // removes a unix socket file it created. Idempotent. Owning thread.
    void stop();

    // The bound address while started. Any thread.
    std::optional<net::Address> address() const;
    // The mesh service this process serves, added to every line from now on. Any thread.
    void setServiceId(std::string serviceId);
    // Streaming subscribers connected now. Any thread.
    size_t subscriberCount() const;
    // Installs the token check used while a token is required (see the class comment). Requests
    // already decided keep their verdict. Any thread.
    void setTokenCheck(TokenCheck check);

    // The process-wide tap, configured from the environment: MESHX_TAP_LISTEN (unset:
    // tcp://127.0.0.1:0; `off`: no tap, returns nullopt; else an address) and
    // MESHX_TAP_TOKEN_REQUIRED (set and not 0/false: subscribers must send the process's
    // CONSUL_HTTP_TOKEN; fails when that is empty). Started once; later calls return the same
    // address. Serves TelemetryBus::global() until exit. Any thread.
    static Result<std::optional<net::Address>> startFromEnvironment(const std::string& program);
    // The process-wide tap's address, if started. Any thread.
    static std::optional<net::Address> processAddress();
    // setServiceId on the process-wide tap, if started. Any thread.
    static void setProcessServiceId(std::string serviceId);
    // setTokenCheck on the process-wide tap, if started and a token is required
    // (MESHX_TAP_TOKEN_REQUIRED); false when it was not installed. Any thread.
    static bool setProcessTokenCheck(TokenCheck check);

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace meshx::telemetry
