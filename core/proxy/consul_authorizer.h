#pragma once

#include "consul/consul_api.h"
#include "proxy/authorizer.h"

namespace meshx::proxy {

// Authorization by the agent: `POST /v1/agent/connect/authorize` (intentions, reference §4.4).
class ConsulAuthorizer : public Authorizer {
  public:
    // `api` must outlive every answer (destroy the client before this authorizer's users).
    explicit ConsulAuthorizer(consul::ConsulApi& api) : api_(api) {}

    // Authorizer. Any thread; `done` runs on a client worker thread.
    void authorize(const AuthorizeRequest& request, Callback done) override;

  private:
    consul::ConsulApi& api_;
};

}  // namespace meshx::proxy
