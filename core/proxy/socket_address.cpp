#include "proxy/socket_address.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

#include <cstring>

namespace meshx::proxy {

Result<SocketAddress> SocketAddress::resolve(const std::string& host, uint16_t port) {
    SocketAddress out;
    std::string_view hv = host.empty() ? std::string_view("0.0.0.0") : std::string_view(host);
    if (hv.size() > 2 && hv.front() == '[' && hv.back() == ']') {
        hv = hv.substr(1, hv.size() - 2);
    }
    const std::string h(hv);
    auto* v4 = reinterpret_cast<sockaddr_in*>(&out.storage_);
    if (::inet_pton(AF_INET, h.c_str(), &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
        out.length_ = sizeof(sockaddr_in);
        return out;
    }
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&out.storage_);
    if (::inet_pton(AF_INET6, h.c_str(), &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        out.length_ = sizeof(sockaddr_in6);
        return out;
    }
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    int rc = ::getaddrinfo(h.c_str(), nullptr, &hints, &res);
    if (rc != 0 || res == nullptr) {
        return makeError(Code::InvalidArgument,
                         "lookup " + h + ": " + (rc != 0 ? ::gai_strerror(rc) : "no address"));
    }
    // Prefer IPv4, like Go's dialer does for `localhost` on most systems.
    const addrinfo* pick = res;
    for (const addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
        if (ai->ai_family == AF_INET) {
            pick = ai;
            break;
        }
    }
    out = fromSockaddr(pick->ai_addr, pick->ai_addrlen);
    ::freeaddrinfo(res);
    if (out.family() == AF_INET) {
        reinterpret_cast<sockaddr_in*>(&out.storage_)->sin_port = htons(port);
    } else {
        reinterpret_cast<sockaddr_in6*>(&out.storage_)->sin6_port = htons(port);
    }
    return out;
}

SocketAddress SocketAddress::fromSockaddr(const sockaddr* sa, socklen_t len) {
    SocketAddress out;
    if (len > sizeof(out.storage_)) {
        len = sizeof(out.storage_);
    }
    std::memcpy(&out.storage_, sa, len);
    out.length_ = len;
    return out;
}

uint16_t SocketAddress::port() const {
    if (family() == AF_INET) {
        return ntohs(reinterpret_cast<const sockaddr_in*>(&storage_)->sin_port);
    }
    if (family() == AF_INET6) {
        return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_port);
    }
    return 0;
}

std::string SocketAddress::toString() const {
    char buf[INET6_ADDRSTRLEN] = {};
    std::string out;
    if (family() == AF_INET) {
        ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&storage_)->sin_addr, buf,
                    sizeof buf);
        out.append(buf);
    } else if (family() == AF_INET6) {
        ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_addr, buf,
                    sizeof buf);
        // Appended piecewise: GCC 12 at -O3 misreads `"[" + s + "]:"` as an overlapping copy.
        out.push_back('[');
        out.append(buf);
        out.push_back(']');
    } else {
        return "<none>";
    }
    out.push_back(':');
    out.append(std::to_string(port()));
    return out;
}

bool SocketAddress::operator==(const SocketAddress& other) const {
    return length_ == other.length_ && std::memcmp(&storage_, &other.storage_, length_) == 0;
}

}  // namespace meshx::proxy
