#pragma once

#include <set>
#include <string>

#include "proxy/authorizer.h"

namespace meshx::proxy {

// Allows every client service except the listed ones, answering at once: the authorization of
// `meshx-proxy -config-file` (no agent to ask). Mirrors a default-allow agent with deny
// intentions.
class StaticAuthorizer : public Authorizer {
  public:
    explicit StaticAuthorizer(std::set<std::string> deniedServices = {})
        : denied_(std::move(deniedServices)) {}

    // Authorizer. Any thread; `done` runs before this returns.
    void authorize(const AuthorizeRequest& request, Callback done) override;

  private:
    std::set<std::string> denied_;
};

}  // namespace meshx::proxy
