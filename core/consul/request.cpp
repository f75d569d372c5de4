#include "consul/request.h"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace meshx::consul {

namespace {
constexpr std::chrono::milliseconds kDefaultWait = std::chrono::minutes(5);
constexpr std::chrono::milliseconds kMaxWait = std::chrono::minutes(10);

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

}  // namespace meshx::consul
