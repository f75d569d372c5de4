#pragma once

#include <memory>
#include <string>

#include "common/mesh_config.h"
#include "common/result.h"
#include "consul/cancel_token.h"
#include "consul/client_options.h"
#include "consul/curl_handle_pool.h"
#include "consul/request.h"
#include "consul/response.h"

namespace meshx::consul {

// One HTTP exchange with the agent over libcurl: TCP, unix socket or https, as MeshConfig says.
// Any HTTP status is a Response here; ConsulClient decides which statuses are errors.
class CurlTransport {
  public:
    // Checks that the TLS files named in the config are readable (InvalidArgument otherwise),
    // so a typo fails at start-up rather than on the first request.
    static Result<std::unique_ptr<CurlTransport>> create(const MeshConfig& config,
                                                         const ClientOptions& options);

    // Any thread; blocks the caller until the reply, a timeout, or a cancel of the request's
    // token or of `shutdown`. Errors: AgentUnreachable (refused, DNS, TLS, timeout), Closed
    // (cancelled), ProtocolError (oversized reply, malformed X-Consul-Index), Internal.
    // Messages never contain the token.
    Result<Response> perform(const Request& request, const CancelToken& shutdown);

    const AgentEndpoint& endpoint() const { return config_.agent; }
    const std::string& token() const { return config_.token; }
    const CurlHandlePool& pool() const { return pool_; }

  private:
    CurlTransport(const MeshConfig& config, const ClientOptions& options);

    MeshConfig config_;
    ClientOptions options_;
    std::string baseUrl_;
    std::string connectTo_;  // CURLOPT_CONNECT_TO entry when a TLS server name is set
    CurlHandlePool pool_;
};

}  // namespace meshx::consul
