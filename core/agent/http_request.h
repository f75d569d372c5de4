#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace meshx::agent {

// One parsed HTTP/1.x request. Header names are lower-cased; the path is percent-decoded (so
// `%3A` arrives as `:` and an ID may contain `/`), query pairs are form-decoded (`+` = space).
struct HttpRequest {
    std::string method;
    std::string target;  // as sent
    std::string path;
    std::string rawQuery;
    std::vector<std::pair<std::string, std::string>> query;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    int minorVersion = 1;
    bool keepAlive = true;
    std::string peer;  // "127.0.0.1:53211" or "@" for a unix socket

    const std::string* header(std::string_view lowerName) const {
        for (const auto& [k, v] : headers) {
            if (k == lowerName) {
                return &v;
            }
        }
        return nullptr;
    }
    bool hasQuery(std::string_view key) const {
        for (const auto& [k, v] : query) {
            if (k == key) {
                return true;
            }
        }
        return false;
    }
    // First value of a query parameter ("" when present without a value).
    std::optional<std::string> queryValue(std::string_view key) const {
        for (const auto& [k, v] : query) {
            if (k == key) {
                return v;
            }
        }
        return std::nullopt;
    }
    std::string queryOr(std::string_view key, std::string fallback = "") const {
        return queryValue(key).value_or(std::move(fallback));
    }
    std::vector<std::string> queryValues(std::string_view key) const {
        std::vector<std::string> out;
        for (const auto& [k, v] : query) {
            if (k == key) {
                out.push_back(v);
            }
        }
        return out;
    }
};

}  // namespace meshx::agent
