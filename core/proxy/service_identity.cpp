#include "proxy/service_identity.h"

#include <strings.h>

#include <cctype>
#include <vector>

namespace meshx::proxy {

namespace {

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
    return a.size() == b.size() && ::strncasecmp(a.data(), b.data(), a.size()) == 0;
}

int hexValue(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return -1;
}

// Path segments are percent-decoded the way Go's url.Parse does before Consul matches them.
bool percentDecode(std::string_view in, std::string* out) {
    out->clear();
    for (size_t i = 0; i < in.size(); ++i) {
        if (in[i] != '%') {
            out->push_back(in[i]);
            continue;
        }
        if (i + 2 >= in.size()) {
            return false;
        }
        int hi = hexValue(in[i + 1]);
        int lo = hexValue(in[i + 2]);
        if (hi < 0 || lo < 0) {
            return false;
        }
        out->push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
    }
    return true;
}

}  // namespace

Result<ServiceIdentity> ServiceIdentity::parse(std::string_view uri) {
    auto notConnect = [] {
        return makeError(Code::ParseError, "ClientCertURI not a valid Connect identifier");
    };
    constexpr std::string_view kScheme = "spiffe://";
    if (uri.size() < kScheme.size() || !equalsIgnoreCase(uri.substr(0, kScheme.size()), kScheme)) {
        return notConnect();
    }
    std::string_view rest = uri.substr(kScheme.size());
    size_t slash = rest.find('/');
    std::string_view host = rest.substr(0, slash);
    std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash);
    if (host.empty() || host.find_first_of("?#@") != std::string_view::npos ||
        path.find_first_of("?#") != std::string_view::npos) {
        return notConnect();
    }

    std::vector<std::string> segs;
    size_t pos = 1;
    while (pos <= path.size() && !path.empty()) {
        size_t next = path.find('/', pos);
        std::string seg;
        if (!percentDecode(path.substr(pos, next == std::string_view::npos ? next : next - pos),
                           &seg)) {
            return notConnect();
        }
        segs.push_back(std::move(seg));
        if (next == std::string_view::npos) {
            break;
        }
        pos = next + 1;
    }

    ServiceIdentity id;
    id.trustDomain = std::string(host);
    size_t i = 0;
    if (segs.size() == 8 && segs[0] == "ap") {
        id.partition = segs[1];
        i = 2;
    }
    if (segs.size() - i != 6 || segs[i] != "ns" || segs[i + 2] != "dc" || segs[i + 4] != "svc" ||
        segs[i + 1].empty() || segs[i + 3].empty() || segs[i + 5].empty()) {
        return makeError(Code::ParseError, "ClientCertURI not a valid Service identifier");
    }
    id.ns = segs[i + 1];
    id.datacenter = segs[i + 3];
    id.service = segs[i + 5];
    return id;
}

std::string ServiceIdentity::uri() const {
    std::string out = "spiffe://" + trustDomain;
    if (!partition.empty() && partition != "default") {
        out += "/ap/" + partition;
    }
    out += "/ns/" + ns + "/dc/" + datacenter + "/svc/" + service;
    return out;
}

bool ServiceIdentity::matchesIgnoringTrustDomain(const ServiceIdentity& other) const {
    auto part = [](const std::string& p) -> std::string_view {
        return p.empty() ? std::string_view("default") : std::string_view(p);
    };
    return equalsIgnoreCase(part(partition), part(other.partition)) &&
           equalsIgnoreCase(ns, other.ns) && equalsIgnoreCase(datacenter, other.datacenter) &&
           equalsIgnoreCase(service, other.service);
}

bool ServiceIdentity::inTrustDomain(std::string_view domain) const {
    return equalsIgnoreCase(trustDomain, domain);
}

}  // namespace meshx::proxy
