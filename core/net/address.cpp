#include "net/address.h"

#include <charconv>

namespace meshx::net {

namespace {

constexpr std::string_view kTcpScheme = "tcp://";
constexpr std::string_view kUnixScheme = "unix://";

Error badAddress(std::string_view text, std::string_view why) {
    return makeError(Code::InvalidArgument,
                     "bad address '" + std::string(text) + "': " + std::string(why));
}

}  // namespace

Address Address::tcp(std::string host, uint16_t port) {
    Address a;
    a.kind_ = Kind::Tcp;
    a.host_ = std::move(host);
    a.port_ = port;
    return a;
}

Address Address::uds(std::string path) {
    Address a;
    a.kind_ = Kind::Uds;
    a.path_ = std::move(path);
    return a;
}

Result<HostPort> splitHostPort(std::string_view text) {
    HostPort hp;
    std::string_view rest = text;
    if (rest.empty()) {
        return badAddress(text, "empty");
    }
    if (rest.front() == '[') {
        auto close = rest.find(']');
        if (close == std::string_view::npos) {
            return badAddress(text, "missing ']' after IPv6 host");
        }
        hp.host = std::string(rest.substr(1, close - 1));
        rest.remove_prefix(close + 1);
        if (!rest.empty() && rest.front() != ':') {
            return badAddress(text, "expected ':' after ']'");
        }
    } else {
        auto colon = rest.rfind(':');
        if (colon != std::string_view::npos && rest.find(':') != colon) {
            return badAddress(text, "IPv6 hosts must be written in brackets");
        }
        hp.host = std::string(rest.substr(0, colon));
        rest = colon == std::string_view::npos ? std::string_view{} : rest.substr(colon);
    }
    if (hp.host.empty()) {
        return badAddress(text, "empty host");
    }
    if (rest.empty()) {
        return hp;
    }
    rest.remove_prefix(1);  // ':'
    unsigned value = 0;
    auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), value);
    if (rest.empty() || ec != std::errc{} || end != rest.data() + rest.size()) {
        return badAddress(text, "port is not a number");
    }
    if (value > 65535) {
        return badAddress(text, "port out of range 0..65535");
    }
    hp.port = static_cast<uint16_t>(value);
    hp.hasPort = true;
    return hp;
}

Result<Address> Address::parse(std::string_view text) {
    if (text.starts_with(kUnixScheme)) {
        std::string_view path = text.substr(kUnixScheme.size());
        if (path.empty() || path.front() != '/') {
            return badAddress(text, "unix socket path must be absolute (unix:///path)");
        }
        return uds(std::string(path));
    }
    std::string_view hostPort = text;
    if (text.starts_with(kTcpScheme)) {
        hostPort.remove_prefix(kTcpScheme.size());
    } else if (auto scheme = text.find("://"); scheme != std::string_view::npos) {
        return badAddress(text, "unknown scheme '" + std::string(text.substr(0, scheme)) +
                                    "' (use tcp:// or unix://)");
    }
    auto hp = splitHostPort(hostPort);
    if (!hp) {
        return badAddress(text, hp.error().message.substr(hp.error().message.rfind(": ") + 2));
    }
    if (!hp->hasPort) {
        return badAddress(text, "missing port");
    }
    return tcp(hp->host, hp->port);
}

std::string Address::hostPort() const {
    if (kind_ == Kind::Uds) {
        return path_;
    }
    std::string host = host_.find(':') != std::string::npos ? "[" + host_ + "]" : host_;
    return host + ":" + std::to_string(port_);
}

std::string Address::toString() const {
    if (kind_ == Kind::Uds) {
        return std::string(kUnixScheme) + path_;
    }
    return std::string(kTcpScheme) + hostPort();
}

}  // namespace meshx::net
