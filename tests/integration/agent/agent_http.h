#pragma once

// Raw calls through ConsulClient that return any status with its body (the agent's error texts
// are part of what the tests check).

#include <nlohmann/json.hpp>

#include "consul/consul_client.h"
#include "consul/request.h"
#include "consul/response.h"

struct Reply {
    int status = 0;
    std::string body;
    nlohmann::json json;
    uint64_t index = 0;
    bool hasIndex = false;
    meshx::consul::Response raw;
    std::string error;  // transport failure

    std::string header(std::string_view name) const { return raw.header(name); }
};

inline Reply send(meshx::consul::ConsulApi& client, meshx::consul::Request request) {
    request.acceptStatuses = {400, 403, 404, 405, 413, 429, 431, 500, 503};
    Reply r;
    auto response = client.send(request);
    if (!response) {
        r.error = response.error().toString();
        return r;
    }
    r.raw = *response;
    r.status = response->status;
    r.body = response->body;
    r.index = response->index;
    r.hasIndex = response->hasIndex;
    r.json = nlohmann::json::parse(r.body, nullptr, false);
    return r;
}

inline Reply get(meshx::consul::ConsulApi& c, const std::string& path) {
    return send(c, meshx::consul::Request::get(path));
}

inline Reply putJson(meshx::consul::ConsulApi& c, const std::string& path,
                     const nlohmann::json& body) {
    auto r = meshx::consul::Request::put(path);
    r.json(body);
    return send(c, r);
}

inline Reply putRaw(meshx::consul::ConsulApi& c, const std::string& path, std::string body) {
    auto r = meshx::consul::Request::put(path);
    r.body = std::move(body);
    return send(c, r);
}
