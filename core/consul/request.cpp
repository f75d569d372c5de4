#include "consul/request.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "consul/url_encoding.h"

namespace meshx::consul {

namespace {
constexpr std::chrono::milliseconds kDefaultWait = std::chrono::minutes(5);
constexpr std::chrono::milliseconds kMaxWait = std::chrono::minutes(10);

// Consul's wait parameter is a Go duration.
std::string goDuration(std::chrono::milliseconds wait) {
    if (wait.count() % 1000 == 0) {
        return std::to_string(wait.count() / 1000) + "s";
    }
    return std::to_string(wait.count()) + "ms";
}

Request make(Method method, std::string path) {
    Request r;
    r.method = method;
    r.path = std::move(path);
    return r;
}
}  // namespace

std::string_view methodName(Method method) {
    switch (method) {
        case Method::Get:
            return "GET";
        case Method::Put:
            return "PUT";
        case Method::Post:
            return "POST";
        case Method::Delete:
            return "DELETE";
    }
    return "GET";
}

std::chrono::milliseconds Blocking::effectiveWait() const {
    if (wait <= std::chrono::milliseconds::zero()) {
        return kDefaultWait;
    }
    return std::min(wait, kMaxWait);
}

Request Request::get(std::string path) {
    return make(Method::Get, std::move(path));
}
Request Request::put(std::string path) {
    return make(Method::Put, std::move(path));
}
Request Request::post(std::string path) {
    return make(Method::Post, std::move(path));
}
Request Request::del(std::string path) {
    return make(Method::Delete, std::move(path));
}

Request& Request::param(std::string name, std::string value) {
    query.emplace_back(std::move(name), std::move(value));
    return *this;
}

Request& Request::json(const nlohmann::json& value) {
    body = value.dump();
    contentType = "application/json";
    return *this;
}

bool Request::accepts(int status) const {
    return std::find(acceptStatuses.begin(), acceptStatuses.end(), status) != acceptStatuses.end();
}

std::string Request::target() const {
    auto all = query;
    if (blocking.index > 0) {
        all.emplace_back("index", std::to_string(blocking.index));
    }
    if (!blocking.hash.empty()) {
        all.emplace_back("hash", blocking.hash);
    }
    if (blocking.blocks() && blocking.wait.count() > 0) {
        all.emplace_back("wait", goDuration(blocking.effectiveWait()));
    }
    std::string out = "/v1" + path;
    if (!all.empty()) {
        out += '?';
        out += encodeQuery(all);
    }
    return out;
}

std::string Request::describe() const {
    return std::string(methodName(method)) + " /v1" + path;
}

std::chrono::milliseconds Request::deadlineWith(std::chrono::milliseconds clientTimeout) const {
    auto base = timeout.count() > 0 ? timeout : clientTimeout;
    if (blocking.blocks()) {
        const auto wait = blocking.effectiveWait();
        return std::max(base, clientTimeout) + wait + wait / 16;
    }
    return base;
}

}  // namespace meshx::consul
