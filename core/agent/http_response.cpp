#include "agent/http_response.h"

#include <strings.h>

#include <ctime>

namespace meshx::agent {

std::string httpReasonPhrase(int status) {
    switch (status) {
        case 100:
            return "Continue";
        case 200:
            return "OK";
        case 301:
            return "Moved Permanently";
        case 400:
            return "Bad Request";
        case 403:
            return "Forbidden";
        case 404:
            return "Not Found";
        case 405:
            return "Method Not Allowed";
        case 408:
            return "Request Timeout";
        case 413:
            return "Request Entity Too Large";
        case 429:
            return "Too Many Requests";
        case 431:
            return "Request Header Fields Too Large";
        case 500:
            return "Internal Server Error";
        case 501:
            return "Not Implemented";
        case 503:
            return "Service Unavailable";
        case 505:
            return "HTTP Version Not Supported";
        default:
            return "Status";
    }
}

HttpResponse HttpResponse::text(int status, std::string body) {
    HttpResponse r;
    r.status = status;
    r.contentType = "text/plain; charset=utf-8";
    r.body = std::move(body);
    return r;
}

HttpResponse HttpResponse::json(int status, const OJson& value, bool pretty) {
    HttpResponse r;
    r.status = status;
    r.contentType = "application/json";
    r.body = encodeGoJson(value, pretty);
    return r;
}

HttpResponse HttpResponse::empty(int status) {
    HttpResponse r;
    r.status = status;
    return r;
}

void HttpResponse::setHeader(const std::string& name, std::string value) {
    for (auto& [k, v] : headers) {
        if (strcasecmp(k.c_str(), name.c_str()) == 0) {
            v = std::move(value);
            return;
        }
    }
    headers.emplace_back(name, std::move(value));
}

const std::string* HttpResponse::header(const std::string& name) const {
    for (const auto& [k, v] : headers) {
        if (strcasecmp(k.c_str(), name.c_str()) == 0) {
            return &v;
        }
    }
    return nullptr;
}

std::string HttpResponse::serialize(bool head, bool keepAlive) const {
    std::string out =
        "HTTP/1.1 " + std::to_string(status) + " " + httpReasonPhrase(status) + "\r\n";
    if (!contentType.empty()) {
        out += "Content-Type: " + contentType + "\r\n";
    }
    for (const auto& [k, v] : headers) {
        out += k + ": " + v + "\r\n";
    }
    char date[64];
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    std::strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    out += "Date: ";
    out += date;
    out += "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
    if (!keepAlive || close) {
        out += "Connection: close\r\n";
    }
    out += "\r\n";
    if (!head) {
        out += body;
    }
    return out;
}

}  // namespace meshx::agent
