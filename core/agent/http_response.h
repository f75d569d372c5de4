#pragma once

#include <string>
#include <utility>
#include <vector>

#include "agent/go_json.h"

namespace meshx::agent {

// One HTTP response as Consul's server writes it: plain-text errors with
// `text/plain; charset=utf-8`, JSON with `application/json`, empty 200s without a content type.
struct HttpResponse {
    int status = 200;
    std::string contentType;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
    bool close = false;  // close the connection after writing

    static HttpResponse text(int status, std::string body);
    static HttpResponse json(int status, const OJson& value, bool pretty);
    static HttpResponse empty(int status = 200);

    // Replaces a header of the same name (case-insensitive).
    void setHeader(const std::string& name, std::string value);
    const std::string* header(const std::string& name) const;

    // Wire bytes. `head` drops the body (HEAD requests); `keepAlive` false adds Connection: close.
    std::string serialize(bool head, bool keepAlive) const;
};

std::string httpReasonPhrase(int status);

}  // namespace meshx::agent
