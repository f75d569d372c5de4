#include "agent/ca/spiffe_id.h"

#include <optional>
#include <vector>

namespace meshx::agent {
namespace {

constexpr std::string_view kNotConnect = "ClientCertURI not a valid Connect identifier";
constexpr std::string_view kNotService = "ClientCertURI not a valid Service identifier";

char lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (lower(a[i]) != lower(b[i])) {
            return false;
        }
    }
    return true;
}

int hexValue(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    c = lower(c);
    return (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
}

// url.PathUnescape: %XX sequences must be complete.
std::optional<std::string> unescape(std::string_view segment) {
    std::string out;
    out.reserve(segment.size());
    for (std::size_t i = 0; i < segment.size(); ++i) {
        if (segment[i] != '%') {
            out += segment[i];
            continue;
        }
        if (i + 2 >= segment.size()) {
            return std::nullopt;
        }
        const int hi = hexValue(segment[i + 1]);
        const int lo = hexValue(segment[i + 2]);
        if (hi < 0 || lo < 0) {
            return std::nullopt;
        }
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
    }
    return out;
}

// Go's url.URL path escaping (shouldEscape with encodePath): unreserved characters and
// "$&+,/:;=@" stay, everything else becomes %XX with uppercase hex.
std::string escapeSegment(std::string_view segment) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (const char c : segment) {
        const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                          (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~' ||
                          c == '$' || c == '&' || c == '+' || c == ',' || c == ':' || c == ';' ||
                          c == '=' || c == '@';
        if (keep) {
            out += c;
        } else {
            const auto b = static_cast<unsigned char>(c);
            out += '%';
            out += kHex[b >> 4];
            out += kHex[b & 0x0F];
        }
    }
    return out;
}

// Splits "/a/b/c" into decoded {"a","b","c"}; nullopt on an empty segment or a bad escape
// (the regexes Consul uses require [^/]+ for every variable part).
std::optional<std::vector<std::string>> segments(std::string_view path) {
    std::vector<std::string> parts;
    if (path.empty() || path.front() != '/') {
        return std::nullopt;
    }
    std::size_t start = 1;
    for (;;) {
        const std::size_t slash = path.find('/', start);
        const std::string_view raw = path.substr(
            start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
        if (raw.empty()) {
            return std::nullopt;
        }
        auto decoded = unescape(raw);
        if (!decoded) {
            return std::nullopt;
        }
        parts.push_back(std::move(*decoded));
        if (slash == std::string_view::npos) {
            return parts;
        }
        start = slash + 1;
    }
}

Error notConnect() {
    return makeError(Code::InvalidArgument, std::string(kNotConnect));
}

std::string identityPath(const SpiffeId& id) {
    std::string prefix;
    if (!id.partition.empty() && id.partition != "default") {
        prefix = "/ap/" + escapeSegment(id.partition);
    }
    switch (id.kind) {
        case SpiffeId::Kind::Service:
            return prefix + "/ns/" + escapeSegment(id.ns) + "/dc/" + escapeSegment(id.datacenter) +
                   "/svc/" + escapeSegment(id.service);
        case SpiffeId::Kind::Agent:
            return prefix + "/agent/client/dc/" + escapeSegment(id.datacenter) + "/id/" +
                   escapeSegment(id.agent);
        case SpiffeId::Kind::Server:
            return "/agent/server/dc/" + escapeSegment(id.datacenter);
        case SpiffeId::Kind::MeshGateway:
            return prefix + "/gateway/mesh/dc/" + escapeSegment(id.datacenter);
        case SpiffeId::Kind::Signing:
            return "";
    }
    return "";
}

}  // namespace

Result<SpiffeId> SpiffeId::parse(std::string_view uri) {
    // Scheme is case-insensitive in URLs (Go lowercases it); Consul wants "spiffe".
    constexpr std::string_view kScheme = "spiffe://";
    if (uri.size() < kScheme.size() || !equalsIgnoreCase(uri.substr(0, kScheme.size()), kScheme)) {
        return notConnect();
    }
    std::string_view rest = uri.substr(kScheme.size());
    const std::size_t pathStart = rest.find('/');
    const std::string_view host = rest.substr(0, pathStart);
    const std::string_view path =
        pathStart == std::string_view::npos ? std::string_view() : rest.substr(pathStart);
    // SPIFFE IDs carry no user info, port, query or fragment; an empty host names no one.
    if (host.empty() || host.find_first_of("@:?#%") != std::string_view::npos ||
        path.find_first_of("?#") != std::string_view::npos) {
        return notConnect();
    }
    SpiffeId id;
    id.trustDomain = std::string(host);
    if (path.empty()) {
        // The signing ID of a CA: the host must be "<cluster id>.<domain>".
        if (host.find('.') == 0 || host.find('.') == std::string_view::npos) {
            return notConnect();
        }
        id.kind = Kind::Signing;
        return id;
    }
    auto parts = segments(path);
    if (!parts) {
        return notConnect();
    }
    const std::vector<std::string>& p = *parts;
    std::size_t i = 0;
    if (p.size() >= 2 && p[0] == "ap") {
        id.partition = p[1];
        i = 2;
    }
    const std::size_t n = p.size() - i;
    if (n == 6 && p[i] == "ns" && p[i + 2] == "dc" && p[i + 4] == "svc") {
        id.kind = Kind::Service;
        id.ns = p[i + 1];
        id.datacenter = p[i + 3];
        id.service = p[i + 5];
        return id;
    }
    if (n == 6 && p[i] == "agent" && p[i + 1] == "client" && p[i + 2] == "dc" && p[i + 4] == "id") {
        id.kind = Kind::Agent;
        id.datacenter = p[i + 3];
        id.agent = p[i + 5];
        return id;
    }
    if (n == 4 && p[i] == "gateway" && p[i + 1] == "mesh" && p[i + 2] == "dc") {
        id.kind = Kind::MeshGateway;
        id.datacenter = p[i + 3];
        return id;
    }
    if (i == 0 && n == 4 && p[0] == "agent" && p[1] == "server" && p[2] == "dc") {
        id.kind = Kind::Server;
        id.datacenter = p[3];
        return id;
    }
    return notConnect();
}

Result<SpiffeId> SpiffeId::parseService(std::string_view uri) {
    auto id = parse(uri);
    if (id && id->kind != Kind::Service) {
        return makeError(Code::InvalidArgument, std::string(kNotService));
    }
    return id;
}

SpiffeId SpiffeId::forService(std::string trustDomain, std::string datacenter,
                              std::string service) {
    SpiffeId id;
    id.kind = Kind::Service;
    id.trustDomain = std::move(trustDomain);
    id.datacenter = std::move(datacenter);
    id.service = std::move(service);
    return id;
}

std::string SpiffeId::uri() const {
    return "spiffe://" + trustDomain + identityPath(*this);
}

bool SpiffeId::sameIdentityIgnoringTrustDomain(const SpiffeId& other) const {
    return kind == other.kind && equalsIgnoreCase(identityPath(*this), identityPath(other));
}

bool SpiffeId::inTrustDomain(std::string_view domain) const {
    return equalsIgnoreCase(trustDomain, domain);
}

}  // namespace meshx::agent
