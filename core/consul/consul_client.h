#pragma once

#include <atomic>
#include <memory>

#include "common/mesh_config.h"
#include "common/result.h"
#include "consul/cancel_token.h"
#include "consul/client_options.h"
#include "consul/consul_api.h"

class QThreadPool;

namespace meshx::consul {

class CurlTransport;

// ConsulApi over libcurl, built from MeshConfig: agent endpoint (http, https, unix socket), the
// X-Consul-Token header when a token is set, TLS files and verification, bounded timeouts.
//
//   auto client = ConsulClient::create(config);           // Result<unique_ptr<ConsulClient>>
//   auto self = (*client)->call(endpoints::agentSelf());  // CLI, tests: blocking
//   (*client)->callAsync(endpoints::agentHealthById(id), this,
//                        [](Result<AgentServiceHealth> h) { ... });  // engine thread
//
// Async design: a small worker pool running blocking libcurl transfers, each result handed to
// the caller's thread through a ContextRelay. Chosen over curl_multi driven by the Qt loop
// because the same code path then serves the synchronous API, the pool and the watchers, the
// engine thread never runs curl code, and the few short requests the engine makes do not need
// an event-driven multiplexer; long polls get their own thread in BlockingWatcher.
class ConsulClient final : public ConsulApi {
  public:
    // Any thread. InvalidArgument when a TLS file in the config cannot be read.
    static Result<std::unique_ptr<ConsulClient>> create(const MeshConfig& config,
                                                        ClientOptions options = {});

    // The thread that owns the client (and the async contexts). Cancels requests in flight,
    // waits for the workers (bounded: cancels are immediate), and drops pending callbacks.
    ~ConsulClient() override;

    // ConsulApi
    Result<Response> send(const Request& request) override;
    void sendAsync(Request request, QObject* context, ResponseCallback done) override;

    // Any thread. The agent this client talks to (never includes the token).
    const AgentEndpoint& endpoint() const;
    // Any thread. curl handle slots made so far: stays small when handles are reused.
    std::size_t handlesCreated() const;

  private:
    ConsulClient(std::unique_ptr<CurlTransport> transport, const ClientOptions& options);

    std::shared_ptr<CurlTransport> transport_;
    std::unique_ptr<QThreadPool> workers_;
    CancelToken shutdown_;
    // Read on the callback's thread before running a callback: false once the client is gone.
    std::shared_ptr<std::atomic<bool>> alive_;
};

}  // namespace meshx::consul
