#include "telemetry/tap/tap_request.h"

#include <algorithm>
#include <cctype>

#include "net/percent_encoding.h"

namespace meshx::telemetry {

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
        s.remove_suffix(1);
    }
    return s;
}

Error parseError(std::string message) {
    return Error{Code::ParseError, std::move(message)};
}

}  // namespace

std::optional<size_t> TapRequest::headLength(std::string_view buffer) {
    // The head ends at the first empty line: "\n\r\n" or "\n\n".
    for (size_t i = buffer.find('\n'); i != std::string_view::npos; i = buffer.find('\n', i + 1)) {
        if (i + 1 < buffer.size() && buffer[i + 1] == '\n') {
            return i + 2;
        }
        if (i + 2 < buffer.size() && buffer[i + 1] == '\r' && buffer[i + 2] == '\n') {
            return i + 3;
        }
    }
    return std::nullopt;
}

Result<TapRequest> TapRequest::parse(std::string_view head) {
    if (head.size() > kMaxHeadBytes) {
        return parseError("request head over " + std::to_string(kMaxHeadBytes) + " bytes");
    }
    TapRequest req;
    size_t lineEnd = head.find('\n');
    if (lineEnd == std::string_view::npos) {
        return parseError("no request line");
    }
    const std::string_view requestLine = trim(head.substr(0, lineEnd));
    // METHOD SP TARGET SP HTTP/1.x
    const size_t sp1 = requestLine.find(' ');
    const size_t sp2 = sp1 == std::string_view::npos ? sp1 : requestLine.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos || requestLine.find(' ', sp2 + 1) != std::string_view::npos) {
        return parseError("malformed request line");
    }
    req.method = std::string(requestLine.substr(0, sp1));
    req.version = std::string(requestLine.substr(sp2 + 1));
    const std::string_view target = requestLine.substr(sp1 + 1, sp2 - sp1 - 1);
    const std::string_view version = requestLine.substr(sp2 + 1);
    if (version != "HTTP/1.1" && version != "HTTP/1.0") {
        return parseError("unsupported HTTP version");
    }
    if (target.empty() || target.front() != '/') {
        return parseError("request target must be an absolute path");
    }
    const size_t q = target.find('?');
    auto path = net::percentDecode(target.substr(0, q), false);
    if (!path) {
        return parseError("malformed escape in path");
    }
    req.path = std::move(*path);
    if (q != std::string_view::npos) {
        std::string_view query = target.substr(q + 1);
        while (!query.empty()) {
            const size_t amp = query.find('&');
            const std::string_view pair = query.substr(0, amp);
            query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
            if (pair.empty()) {
                continue;
            }
            const size_t eq = pair.find('=');
            auto key = net::percentDecode(pair.substr(0, eq), true);
            auto value = net::percentDecode(
                eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1), true);
            if (!key || !value) {
                return parseError("malformed escape in query");
            }
            req.query[*key] = std::move(*value);
        }
    }
    std::string_view rest = head.substr(lineEnd + 1);
    while (!rest.empty()) {
        const size_t end = rest.find('\n');
        const std::string_view line =
            trim(end == std::string_view::npos ? rest : rest.substr(0, end));
        rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
        if (line.empty()) {
            break;
        }
        const size_t colon = line.find(':');
        if (colon == std::string_view::npos || colon == 0) {
            return parseError("malformed header line");
        }
        std::string name(line.substr(0, colon));
        if (name.find_first_of(" \t") != std::string::npos) {
            return parseError("malformed header name");
        }
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        req.headers[name] = std::string(trim(line.substr(colon + 1)));
    }
    if (req.headers.count("transfer-encoding") != 0 ||
        (req.headers.count("content-length") != 0 && req.headers["content-length"] != "0")) {
        return parseError("a tap request has no body");
    }
    return req;
}

std::string TapRequest::header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string{} : it->second;
}

}  // namespace meshx::telemetry
