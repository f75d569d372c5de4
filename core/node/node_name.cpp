#include "node/node_name.h"

namespace meshx::node {

namespace {

// ei keeps alive and host names in MAXATOMLEN - 2 byte buffers (ei.h: EI_MAXALIVELEN).
constexpr std::size_t kMaxPart = 253;

Error badName(std::string_view text, std::string_view why) {
    return makeError(Code::InvalidArgument,
                     "bad node name '" + std::string(text) + "': " + std::string(why));
}

bool isAliveChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
}

bool isHostChar(char c) {
    return isAliveChar(c) || c == '.';
}

}  // namespace

Result<NodeName> NodeName::parse(std::string_view text) {
    auto at = text.find('@');
    if (at == std::string_view::npos) {
        return badName(text, "expected NAME@HOST");
    }
    std::string_view alive = text.substr(0, at);
    std::string_view host = text.substr(at + 1);
    if (alive.empty()) {
        return badName(text, "empty name before '@'");
    }
    if (host.empty()) {
        return badName(text, "empty host after '@'");
    }
    if (alive.size() > kMaxPart || host.size() > kMaxPart) {
        return badName(text, "longer than 253 bytes");
    }
    for (char c : alive) {
        if (!isAliveChar(c)) {
            return badName(text, std::string("character '") + c + "' not allowed in the name");
        }
    }
    for (char c : host) {
        if (!isHostChar(c)) {
            return badName(text, std::string("character '") + c + "' not allowed in the host");
        }
    }
    NodeName n;
    n.alive_ = std::string(alive);
    n.host_ = std::string(host);
    return n;
}

}  // namespace meshx::node
