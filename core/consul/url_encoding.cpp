#include "consul/url_encoding.h"

namespace meshx::consul {

namespace {

bool unreserved(unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

void appendEncoded(std::string& out, std::string_view text, bool keepSlash) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    for (char ch : text) {
        auto c = static_cast<unsigned char>(ch);
        if (unreserved(c) || (keepSlash && c == '/')) {
            out.push_back(ch);
        } else {
            out.push_back('%');
            out.push_back(kHex[c >> 4]);
            out.push_back(kHex[c & 0x0F]);
        }
    }
}

}  // namespace

std::string encodePathSegment(std::string_view segment) {
    std::string out;
    out.reserve(segment.size());
    appendEncoded(out, segment, false);
    return out;
}

std::string encodeKeyPath(std::string_view key) {
    std::string out;
    out.reserve(key.size());
    appendEncoded(out, key, true);
    return out;
}

std::string encodeQuery(const std::vector<std::pair<std::string, std::string>>& query) {
    std::string out;
    for (const auto& [name, value] : query) {
        if (!out.empty()) {
            out.push_back('&');
        }
        appendEncoded(out, name, false);
        if (!value.empty()) {
            out.push_back('=');
            appendEncoded(out, value, false);
        }
    }
    return out;
}

}  // namespace meshx::consul
