#include "agent/http_request_parser.h"

#include <algorithm>
#include <cctype>
#include <optional>

namespace meshx::agent {

namespace {

constexpr uint64_t kMaxDiscard = 64ULL << 20;

std::string lower(std::string s) {
    for (char& c : s) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return s;
}

std::string trim(std::string_view s) {
    size_t b = 0;
    size_t e = s.size();
    while (b < e && (s[b] == ' ' || s[b] == '\t')) {
        ++b;
    }
    while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r')) {
        --e;
    }
    return std::string(s.substr(b, e - b));
}

int hexValue(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

bool containsToken(const std::string& value, std::string_view token) {
    const std::string v = lower(value);
    size_t start = 0;
    while (start <= v.size()) {
        size_t comma = v.find(',', start);
        if (comma == std::string::npos) {
            comma = v.size();
        }
        if (trim(std::string_view(v).substr(start, comma - start)) == token) {
            return true;
        }
        start = comma + 1;
    }
    return false;
}

}  // namespace

std::optional<std::string> percentDecode(std::string_view text, bool plusIsSpace) {
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '%') {
            if (i + 2 >= text.size()) {
                return std::nullopt;
            }
            const int hi = hexValue(text[i + 1]);
            const int lo = hexValue(text[i + 2]);
            if (hi < 0 || lo < 0) {
                return std::nullopt;
            }
            out += static_cast<char>(hi * 16 + lo);
            i += 2;
        } else if (c == '+' && plusIsSpace) {
            out += ' ';
        } else {
            out += c;
        }
    }
    return out;
}

HttpRequestParser::HttpRequestParser(Limits limits) : limits_(std::move(limits)) {}

void HttpRequestParser::append(const char* data, size_t size) {
    if (state_ == State::Failed) {
        return;
    }
    if (state_ == State::Discard) {
        // Swallow the body of an oversized request without keeping it.
        const uint64_t take = std::min<uint64_t>(remaining_, size);
        remaining_ -= take;
        discarded_ += take;
        data += take;
        size -= take;
    }
    buffer_.append(data, size);
}

void HttpRequestParser::compact() {
    if (pos_ > 0 && (pos_ > 65536 || pos_ == buffer_.size())) {
        buffer_.erase(0, pos_);
        pos_ = 0;
    }
}

HttpRequestParser::Outcome HttpRequestParser::fail(int status, std::string text) {
    state_ = State::Failed;
    Outcome o;
    o.kind = Outcome::Kind::Fail;
    o.failure = HttpResponse::text(status, std::move(text));
    o.failure.close = true;
    return o;
}

HttpRequestParser::Outcome HttpRequestParser::complete() {
    Outcome o;
    o.kind = Outcome::Kind::Request;
    o.request = std::move(current_);
    current_ = HttpRequest{};
    state_ = State::Head;
    continueSent_ = false;
    expectContinue_ = false;
    compact();
    return o;
}

HttpRequestParser::Outcome HttpRequestParser::next() {
    switch (state_) {
        case State::Failed:
            return {};
        case State::Head:
            return parseHead();
        case State::Body: {
            if (buffered() >= remaining_) {
                current_.body.assign(buffer_, pos_, static_cast<size_t>(remaining_));
                pos_ += static_cast<size_t>(remaining_);
                return complete();
            }
            if (expectContinue_ && !continueSent_ && buffered() == 0) {
                continueSent_ = true;
                Outcome o;
                o.kind = Outcome::Kind::ExpectContinue;
                return o;
            }
            return {};
        }
        case State::Chunked:
            return parseChunked();
        case State::Discard: {
            if (remaining_ > 0 && discarded_ < kMaxDiscard) {
                return {};
            }
            auto o = fail(413, "");
            o.failure = limits_.tooLarge(current_, discarded_);
            o.failure.close = true;
            return o;
        }
    }
    return {};
}

HttpRequestParser::Outcome HttpRequestParser::parseHead() {
    // Tolerate empty lines before a request line (RFC 7230 §3.5).
    while (pos_ < buffer_.size() && (buffer_[pos_] == '\r' || buffer_[pos_] == '\n')) {
        ++pos_;
    }
    size_t end = buffer_.find("\r\n\r\n", pos_);
    size_t sepLen = 4;
    if (end == std::string::npos) {
        end = buffer_.find("\n\n", pos_);
        sepLen = 2;
    }
    if (end == std::string::npos) {
        if (buffered() > limits_.maxHeaderBytes) {
            return fail(431, "431 Request Header Fields Too Large");
        }
        compact();
        return {};
    }
    if (end - pos_ > limits_.maxHeaderBytes) {
        return fail(431, "431 Request Header Fields Too Large");
    }
    const std::string head = buffer_.substr(pos_, end - pos_);
    pos_ = end + sepLen;

    HttpRequest req;
    size_t lineEnd = head.find('\n');
    std::string line = trim(head.substr(0, lineEnd));
    const size_t sp1 = line.find(' ');
    const size_t sp2 = line.rfind(' ');
    if (sp1 == std::string::npos || sp2 == sp1) {
        return fail(400, "400 Bad Request");
    }
    req.method = line.substr(0, sp1);
    req.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    const std::string version = line.substr(sp2 + 1);
    if (version == "HTTP/1.1") {
        req.minorVersion = 1;
    } else if (version == "HTTP/1.0") {
        req.minorVersion = 0;
    } else if (version.rfind("HTTP/", 0) == 0) {
        return fail(505, "505 HTTP Version Not Supported");
    } else {
        return fail(400, "400 Bad Request");
    }
    if (req.method.empty() || req.target.empty()) {
        return fail(400, "400 Bad Request");
    }

    while (lineEnd != std::string::npos) {
        const size_t start = lineEnd + 1;
        lineEnd = head.find('\n', start);
        std::string_view raw = std::string_view(head).substr(
            start, lineEnd == std::string::npos ? std::string::npos : lineEnd - start);
        if (!raw.empty() && raw.back() == '\r') {
            raw.remove_suffix(1);
        }
        if (raw.empty()) {
            continue;
        }
        if (raw[0] == ' ' || raw[0] == '\t') {
            return fail(400, "400 Bad Request");  // obsolete line folding
        }
        const size_t colon = raw.find(':');
        if (colon == std::string::npos || colon == 0) {
            return fail(400, "400 Bad Request");
        }
        req.headers.emplace_back(lower(std::string(raw.substr(0, colon))),
                                 trim(raw.substr(colon + 1)));
    }

    // Target: origin-form, or absolute-form whose path we keep.
    std::string target = req.target;
    if (target.rfind("http://", 0) == 0 || target.rfind("https://", 0) == 0) {
        const size_t slash = target.find('/', target.find("//") + 2);
        target = slash == std::string::npos ? "/" : target.substr(slash);
    }
    const size_t q = target.find('?');
    auto path = percentDecode(target.substr(0, q), false);
    if (!path || path->empty() || (*path)[0] != '/') {
        return fail(400, "400 Bad Request");
    }
    req.path = *path;
    if (q != std::string::npos) {
        req.rawQuery = target.substr(q + 1);
        size_t start = 0;
        while (start <= req.rawQuery.size()) {
            size_t amp = req.rawQuery.find('&', start);
            if (amp == std::string::npos) {
                amp = req.rawQuery.size();
            }
            const std::string_view pair = std::string_view(req.rawQuery).substr(start, amp - start);
            if (!pair.empty()) {
                const size_t eq = pair.find('=');
                auto k = percentDecode(pair.substr(0, eq), true);
                auto v = eq == std::string_view::npos ? std::optional<std::string>("")
                                                      : percentDecode(pair.substr(eq + 1), true);
                if (k && v) {
                    req.query.emplace_back(*k, *v);
                }
            }
            start = amp + 1;
        }
    }

    const std::string* connection = req.header("connection");
    if (req.minorVersion == 0) {
        req.keepAlive = connection != nullptr && containsToken(*connection, "keep-alive");
    } else {
        req.keepAlive = connection == nullptr || !containsToken(*connection, "close");
    }
    const std::string* expect = req.header("expect");
    expectContinue_ = expect != nullptr && lower(*expect) == "100-continue";
    continueSent_ = false;
    limit_ = limits_.bodyLimit ? limits_.bodyLimit(req) : UINT64_MAX;
    current_ = std::move(req);

    if (const std::string* te = current_.header("transfer-encoding")) {
        if (!containsToken(*te, "chunked")) {
            return fail(501, "501 Not Implemented");
        }
        state_ = State::Chunked;
        return parseChunked();
    }
    uint64_t length = 0;
    if (const std::string* cl = current_.header("content-length")) {
        if (cl->empty() || cl->size() > 19 ||
            !std::all_of(cl->begin(), cl->end(), [](char c) { return c >= '0' && c <= '9'; })) {
            return fail(400, "400 Bad Request");
        }
        length = std::stoull(*cl);
    }
    if (length > limit_) {
        if (expectContinue_) {
            auto o = fail(413, "");
            o.failure = limits_.tooLarge(current_, length);
            o.failure.close = true;
            return o;
        }
        // Read and drop the body before answering, so the client sees the answer (closing
        // with unread bytes would reset the connection under it).
        state_ = State::Discard;
        const uint64_t inBuffer = std::min<uint64_t>(buffered(), length);
        pos_ += static_cast<size_t>(inBuffer);
        discarded_ = inBuffer;
        remaining_ = length - inBuffer;
        compact();
        return next();
    }
    if (length == 0) {
        return complete();
    }
    state_ = State::Body;
    remaining_ = length;
    return next();
}

HttpRequestParser::Outcome HttpRequestParser::parseChunked() {
    while (true) {
        const size_t lineEnd = buffer_.find('\n', pos_);
        if (lineEnd == std::string::npos) {
            if (buffered() > 4096) {
                return fail(400, "400 Bad Request");
            }
            if (expectContinue_ && !continueSent_ && buffered() == 0) {
                continueSent_ = true;
                Outcome o;
                o.kind = Outcome::Kind::ExpectContinue;
                return o;
            }
            return {};
        }
        std::string sizeLine = trim(std::string_view(buffer_).substr(pos_, lineEnd - pos_));
        const size_t semi = sizeLine.find(';');
        if (semi != std::string::npos) {
            sizeLine = trim(sizeLine.substr(0, semi));
        }
        if (sizeLine.empty() || sizeLine.size() > 15) {
            return fail(400, "400 Bad Request");
        }
        uint64_t size = 0;
        for (char c : sizeLine) {
            const int h = hexValue(c);
            if (h < 0) {
                return fail(400, "400 Bad Request");
            }
            size = size * 16 + static_cast<uint64_t>(h);
        }
        if (size == 0) {
            // Trailers up to the empty line.
            size_t p = lineEnd + 1;
            while (true) {
                const size_t e = buffer_.find('\n', p);
                if (e == std::string::npos) {
                    return {};
                }
                const bool emptyLine = e == p || (e == p + 1 && buffer_[p] == '\r');
                p = e + 1;
                if (emptyLine) {
                    break;
                }
            }
            pos_ = p;
            return complete();
        }
        if (current_.body.size() + size > limit_) {
            auto o = fail(413, "");
            o.failure = limits_.tooLarge(current_, current_.body.size() + size);
            o.failure.close = true;
            return o;
        }
        const size_t dataStart = lineEnd + 1;
        if (buffer_.size() < dataStart + size + 2) {
            return {};
        }
        current_.body.append(buffer_, dataStart, static_cast<size_t>(size));
        size_t after = dataStart + static_cast<size_t>(size);
        if (buffer_[after] == '\r') {
            ++after;
        }
        if (buffer_[after] != '\n') {
            return fail(400, "400 Bad Request");
        }
        pos_ = after + 1;
    }
}

}  // namespace meshx::agent
