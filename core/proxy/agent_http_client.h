#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <openssl/types.h>

#include "common/mesh_config.h"
#include "common/result.h"
#include "consul/cancel_token.h"
#include "consul/client_options.h"
#include "consul/consul_api.h"

namespace meshx::proxy {

// ConsulApi for meshx-proxy: plain HTTP/1.1 to the agent over TCP, a unix socket or TLS
// (AgentConnection), replies read by AgentResponseReader. The same contract as ConsulClient
// (consul_api.h: error codes, X-Consul-Token sent and never in a message, blocking queries with
// index/hash/wait, timeouts) without libcurl and Qt, which cost every sidecar start about 30
// shared libraries to load (docs/benchmarks.md, "meshx-proxy start cost").
//
// One connection per request, closed after the reply: the proxy's requests are a handful at
// start and then long polls, each on its watcher's own thread, so a connection pool would save
// almost nothing on a local agent.
//
// sendAsync runs on a few worker threads of its own and accepts only a null context (the proxy
// has no Qt event loop to deliver to): `done` runs on the worker thread.
class AgentHttpClient final : public consul::ConsulApi {
  public:
    // Any thread. InvalidArgument when the token holds control characters or a TLS file in the
    // config cannot be loaded.
    static Result<std::unique_ptr<AgentHttpClient>> create(const MeshConfig& config,
                                                           consul::ClientOptions options = {});

    // The owning thread. Cancels requests in flight, drops queued async requests (their `done`
    // never runs) and joins the workers.
    ~AgentHttpClient() override;

    // ConsulApi
    Result<consul::Response> send(const consul::Request& request) override;
    void sendAsync(consul::Request request, QObject* context, ResponseCallback done) override;

    // Any thread. The agent this client talks to (never includes the token).
    const AgentEndpoint& endpoint() const { return config_.agent; }

    // The request line and headers (and body) as sent. Any thread.
    std::string encode(const consul::Request& request) const;

  private:
    AgentHttpClient(const MeshConfig& config, const consul::ClientOptions& options);
    Result<consul::Response> exchange(const consul::Request& request) const;
    void work();

    MeshConfig config_;
    consul::ClientOptions options_;
    std::string serverName_;  // TLS: verified name and SNI
    std::string hostHeader_;
    SSL_CTX* tls_ = nullptr;  // https:// only
    consul::CancelToken shutdown_;

    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::function<void()>> queue_;
    std::vector<std::thread> workers_;
    std::size_t idle_ = 0;
    bool stopping_ = false;
};

}  // namespace meshx::proxy
