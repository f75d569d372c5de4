#include "consul/consul_error.h"

#include <charconv>

namespace meshx::consul {

namespace {
constexpr std::string_view kMarker = ": HTTP ";
}

Code codeForStatus(int status) {
    switch (status) {
        case 403:
            return Code::PermissionDenied;
        case 404:
            return Code::NotFound;
        default:
            return Code::HttpError;
    }
}

Error makeHttpError(std::string_view what, int status, std::string_view body) {
    std::string_view shown = body.substr(0, kMaxErrorBody);
    while (!shown.empty() &&
           (shown.back() == '\n' || shown.back() == '\r' || shown.back() == ' ')) {
        shown.remove_suffix(1);
    }
    std::string message(what);
    message += kMarker;
    message += std::to_string(status);
    message += ": ";
    message += shown;
    return makeError(codeForStatus(status), std::move(message));
}

namespace {
// Position of the status digits after the marker, or npos.
std::size_t statusPos(const std::string& message) {
    auto at = message.find(kMarker);
    if (at == std::string::npos) {
        return std::string::npos;
    }
    return at + kMarker.size();
}
}  // namespace

std::optional<int> httpStatus(const Error& error) {
    auto pos = statusPos(error.message);
    if (pos == std::string::npos) {
        return std::nullopt;
    }
    int status = 0;
    const char* begin = error.message.data() + pos;
    const char* end = error.message.data() + error.message.size();
    auto [ptr, ec] = std::from_chars(begin, end, status);
    if (ec != std::errc() || ptr == begin) {
        return std::nullopt;
    }
    return status;
}

std::string_view httpBody(const Error& error) {
    auto pos = statusPos(error.message);
    if (pos == std::string::npos) {
        return {};
    }
    auto colon = error.message.find(": ", pos);
    if (colon == std::string::npos) {
        return {};
    }
    return std::string_view(error.message).substr(colon + 2);
}

std::string redact(std::string text, std::string_view secret) {
    if (secret.empty()) {
        return text;
    }
    static constexpr std::string_view kRedacted = "<redacted>";
    for (auto at = text.find(secret); at != std::string::npos;
         at = text.find(secret, at + kRedacted.size())) {
        text.replace(at, secret.size(), kRedacted);
    }
    return text;
}

}  // namespace meshx::consul
