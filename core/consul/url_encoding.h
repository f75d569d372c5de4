#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace meshx::consul {

// Percent-encodes one path segment: everything but RFC 3986 unreserved characters, so an id
// like `ttl:web-host1` becomes `ttl%3Aweb-host1` and `a/b` becomes `a%2Fb`. Consul reads ids
// from the decoded path, so both arrive intact (reference §1.1).
std::string encodePathSegment(std::string_view segment);

// Like encodePathSegment but keeps '/': for KV keys, whose slashes are the hierarchy.
std::string encodeKeyPath(std::string_view key);

// `a=1&b=x%20y`; an empty value yields the bare name (`raw`, `passing`).
std::string encodeQuery(const std::vector<std::pair<std::string, std::string>>& query);

}  // namespace meshx::consul
