#include "agent/api_router.h"

#include <algorithm>

namespace meshx::agent {

void ApiRouter::add(std::string pattern, std::vector<std::string> methods, Handler handler,
                    bool aclFree) {
    routes_.push_back(Route{std::move(pattern), std::move(methods), std::move(handler), aclFree});
}

void ApiRouter::answer(const ExchangePtr& exchange, HttpResponse response) const {
    ApiCall(exchange, env_, "", {}).respond(std::move(response));
}

void ApiRouter::dispatch(const ExchangePtr& exchange) const {
    const HttpRequest& req = exchange->request();
    const std::string& path = req.path;
    if (path.rfind("/v1/", 0) != 0) {
        if (path == "/") {
            answer(exchange, HttpResponse::text(200,
                                                "Consul Agent: UI disabled. To enable, set "
                                                "ui_config.enabled=true in the agent "
                                                "configuration and restart."));
            return;
        }
        answer(exchange, HttpResponse::text(404,
                                            "Invalid URL path: if attempting to use the HTTP "
                                            "API, ensure the path starts with '/v1/'."));
        return;
    }
    const Route* best = nullptr;
    for (const Route& r : routes_) {
        const bool prefix = !r.pattern.empty() && r.pattern.back() == '/';
        const bool match = prefix ? path.rfind(r.pattern, 0) == 0 : path == r.pattern;
        if (match && (best == nullptr || r.pattern.size() > best->pattern.size())) {
            best = &r;
        }
    }
    if (best == nullptr) {
        answer(exchange,
               HttpResponse::text(404, "Invalid URL path: not a recognized HTTP API endpoint"));
        return;
    }
    std::string allow = "OPTIONS";
    for (const auto& m : best->methods) {
        allow += "," + m;
    }
    if (req.method == "OPTIONS") {
        HttpResponse r = HttpResponse::empty(200);
        r.setHeader("Allow", allow);
        answer(exchange, std::move(r));
        return;
    }
    if (std::find(best->methods.begin(), best->methods.end(), req.method) == best->methods.end()) {
        HttpResponse r = HttpResponse::text(405, "method " + req.method + " not allowed");
        r.setHeader("Allow", allow);
        answer(exchange, std::move(r));
        return;
    }
    AclResolver::Identity who{true, ""};
    if (!best->aclFree) {
        auto resolved = env_.acl->resolve(AclResolver::tokenOf(req));
        if (!resolved) {
            answer(exchange, HttpResponse::text(403, resolved.error().message));
            return;
        }
        who = *resolved;
    }
    const std::string suffix =
        best->pattern.back() == '/' ? path.substr(best->pattern.size()) : std::string();
    best->handler(ApiCall(exchange, env_, suffix, who));
}

}  // namespace meshx::agent
