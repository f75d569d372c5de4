#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "agent/acl_resolver.h"
#include "agent/agent_config.h"
#include "agent/agent_log.h"
#include "agent/go_json.h"
#include "agent/http_exchange.h"

namespace meshx::agent {

// Shared by every call of one agent.
struct CallEnv {
    const AgentConfig* config = nullptr;
    const AclResolver* acl = nullptr;
    AgentLog* log = nullptr;
};

// One routed API request as a handler sees it: the request, the path suffix after the route
// prefix, the caller's ACL identity, and ways to answer that add Consul's common headers and
// log the request. Cheap to copy (handlers keep a copy while a blocking query is parked).
// Agent thread only.
class ApiCall {
  public:
    ApiCall(ExchangePtr exchange, const CallEnv& env, std::string suffix,
            AclResolver::Identity who);

    const HttpRequest& request() const { return state_->exchange->request(); }
    const std::string& suffix() const { return state_->suffix; }
    const AgentConfig& config() const { return *state_->env.config; }
    bool pretty() const;

    void respond(HttpResponse response) const;
    void text(int status, std::string body) const;
    void json(int status, const OJson& body) const;
    void ok() const;  // 200 with an empty body
    // Status from the code (InvalidArgument/ParseError 400, PermissionDenied 403, NotFound 404,
    // anything else 500), the message as the plain-text body.
    void fail(const Error& error) const;

    // ACL: require a permission on a resource, or ask whether lists may show anything.
    Status require(std::string_view permission, const std::string& resource) const;
    bool canRead() const;

    // Runs when the client goes away before the answer (to unpark).
    void onAbort(std::function<void()> hook) const;

  private:
    struct State {
        ExchangePtr exchange;
        CallEnv env;
        std::string suffix;
        AclResolver::Identity who;
        std::chrono::steady_clock::time_point start;
    };
    std::shared_ptr<State> state_;
};

// Go's http.CanonicalHeaderKey ("x-consul-index" -> "X-Consul-Index").
std::string canonicalHeaderKey(std::string_view name);

// The request URL for logs with `token` values replaced by `<hidden>`.
std::string redactedTarget(const HttpRequest& request);

}  // namespace meshx::agent
