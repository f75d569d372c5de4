#include "agent/api_call.h"

#include <cctype>

#include "agent/go_duration.h"

namespace meshx::agent {

std::string canonicalHeaderKey(std::string_view name) {
    std::string out(name);
    bool upper = true;
    for (char& c : out) {
        c = static_cast<char>(upper ? std::toupper(static_cast<unsigned char>(c))
                                    : std::tolower(static_cast<unsigned char>(c)));
        upper = c == '-';
    }
    return out;
}

std::string redactedTarget(const HttpRequest& request) {
    if (request.rawQuery.empty()) {
        return request.target;
    }
    std::string path = request.target.substr(0, request.target.find('?'));
    std::string query;
    size_t start = 0;
    const std::string& raw = request.rawQuery;
    while (start <= raw.size()) {
        size_t amp = raw.find('&', start);
        if (amp == std::string::npos) {
            amp = raw.size();
        }
        std::string pair = raw.substr(start, amp - start);
        if (pair.rfind("token=", 0) == 0) {
            pair = "token=<hidden>";
        }
        if (!pair.empty()) {
            query += (query.empty() ? "" : "&") + pair;
        }
        start = amp + 1;
    }
    return path + "?" + query;
}

ApiCall::ApiCall(ExchangePtr exchange, const CallEnv& env, std::string suffix,
                 AclResolver::Identity who)
    : state_(std::make_shared<State>(State{std::move(exchange), env, std::move(suffix),
                                           std::move(who), std::chrono::steady_clock::now()})) {}

bool ApiCall::pretty() const {
    return state_->env.config->prettyJson || request().hasQuery("pretty");
}

void ApiCall::respond(HttpResponse response) const {
    if (state_->exchange->answered()) {
        return;
    }
    response.setHeader("Vary", "Accept-Encoding");
    response.setHeader("X-Consul-Default-Acl-Policy",
                       state_->env.acl->enabled() ? "deny" : "allow");
    if (AgentLog* log = state_->env.log; log != nullptr && log->enabled(LogLevel::Debug)) {
        const auto latency = std::chrono::steady_clock::now() - state_->start;
        log->log(LogLevel::Debug, "agent.http", "Request finished",
                 {{"method", request().method},
                  {"url", redactedTarget(request())},
                  {"from", request().peer},
                  {"status", std::to_string(response.status)},
                  {"latency", formatGoDuration(latency)}});
    }
    state_->exchange->respond(std::move(response));
}

void ApiCall::text(int status, std::string body) const {
    respond(HttpResponse::text(status, std::move(body)));
}

void ApiCall::json(int status, const OJson& body) const {
    respond(HttpResponse::json(status, body, pretty()));
}

void ApiCall::ok() const {
    respond(HttpResponse::empty(200));
}

void ApiCall::fail(const Error& error) const {
    int status = 500;
    switch (error.code) {
        case Code::InvalidArgument:
        case Code::ParseError:
            status = 400;
            break;
        case Code::PermissionDenied:
            status = 403;
            break;
        case Code::NotFound:
            status = 404;
            break;
        default:
            status = 500;
    }
    text(status, error.message);
}

Status ApiCall::require(std::string_view permission, const std::string& resource) const {
    return state_->env.acl->require(state_->who, permission, resource);
}

bool ApiCall::canRead() const {
    return state_->env.acl->canRead(state_->who);
}

void ApiCall::onAbort(std::function<void()> hook) const {
    state_->exchange->setOnAbort(std::move(hook));
}

}  // namespace meshx::agent
