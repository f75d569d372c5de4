#pragma once

#include <functional>
#include <string>

#include "common/result.h"

namespace meshx::proxy {

struct AuthorizeRequest {
    std::string target;            // the service this proxy fronts (Proxy.DestinationServiceName)
    std::string clientCertUri;     // the client's SPIFFE URI
    std::string clientCertSerial;  // colon hex

    bool operator==(const AuthorizeRequest&) const = default;
};

struct AuthorizeDecision {
    bool authorized = false;
    std::string reason;
};

// Decides whether a verified client identity may reach the proxied service — the seam in front
// of `POST /v1/agent/connect/authorize`.
class Authorizer {
  public:
    using Callback = std::function<void(Result<AuthorizeDecision>)>;
    virtual ~Authorizer() = default;

    // Called on the loop thread. `done` is called exactly once, on any thread, possibly before
    // authorize() returns. An Error (agent unreachable, bad reply) means "no decision"; callers
    // deny, never allow, on it.
    virtual void authorize(const AuthorizeRequest& request, Callback done) = 0;
};

}  // namespace meshx::proxy
