#pragma once

#include <functional>
#include <string>
#include <vector>

#include "agent/api_call.h"

namespace meshx::agent {

// Consul's route table: Go ServeMux patterns (a pattern ending in `/` is a prefix, the longest
// match wins), an allowed-method list per pattern (405 with `Allow: OPTIONS,<methods>`, OPTIONS
// answered with 200), `/v1` 404 texts, and token resolution (403 `ACL not found`) before the
// handler runs. Agent thread only.
class ApiRouter {
  public:
    using Handler = std::function<void(const ApiCall&)>;

    explicit ApiRouter(CallEnv env) : env_(env) {}

    // `aclFree`: the endpoint needs no token (CA roots).
    void add(std::string pattern, std::vector<std::string> methods, Handler handler,
             bool aclFree = false);
    void dispatch(const ExchangePtr& exchange) const;

  private:
    struct Route {
        std::string pattern;
        std::vector<std::string> methods;
        Handler handler;
        bool aclFree = false;
    };
    void answer(const ExchangePtr& exchange, HttpResponse response) const;

    CallEnv env_;
    std::vector<Route> routes_;
};

}  // namespace meshx::agent
