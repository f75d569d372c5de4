#include "agent/http_request_parser.h"

#include <algorithm>

// Boost 1.74's chunked parser asserts a final chunk header is re-entered with at least 5 bytes,
// which a client sending "0\r\n", "\r", "\n" in separate packets breaks (found by
// fuzz_agent_http; fixed upstream in boostorg/beast#2861). The code after the assertion handles
// the short input correctly, so this file runs Beast as a release build would: without asserts.
#define BOOST_DISABLE_ASSERTS
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>
#include <cctype>
#include <limits>

#include "net/percent_encoding.h"

namespace meshx::agent {

namespace http = boost::beast::http;
using boost::beast::error_code;

namespace {

// An oversized Content-Length body is read and dropped up to this much before the 413 goes out,
// so the client sees the answer (closing with unread bytes would reset the connection under it),
// but a client cannot keep the connection busy forever.
constexpr uint64_t kMaxDiscard = 64ULL << 20;

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return out;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
        s.remove_suffix(1);
    }
    return s;
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

// Splits the request target into the decoded path and query. False when the target is not
// origin-form or absolute-form, or its path is badly escaped.
bool parseTarget(HttpRequest& req) {
    std::string_view target = req.target;
    if (target.rfind("http://", 0) == 0 || target.rfind("https://", 0) == 0) {
        const size_t slash = target.find('/', target.find("//") + 2);
        target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
    }
    const size_t q = target.find('?');
    auto path = net::percentDecode(target.substr(0, q), false);
    if (!path || path->empty() || (*path)[0] != '/') {
        return false;
    }
    req.path = std::move(*path);
    if (q == std::string_view::npos) {
        return true;
    }
    req.rawQuery = std::string(target.substr(q + 1));
    size_t start = 0;
    while (start <= req.rawQuery.size()) {
        size_t amp = req.rawQuery.find('&', start);
        if (amp == std::string::npos) {
            amp = req.rawQuery.size();
        }
        const std::string_view pair = std::string_view(req.rawQuery).substr(start, amp - start);
        if (!pair.empty()) {
            const size_t eq = pair.find('=');
            auto k = net::percentDecode(pair.substr(0, eq), true);
            auto v = eq == std::string_view::npos ? std::optional<std::string>("")
                                                  : net::percentDecode(pair.substr(eq + 1), true);
            if (k && v) {
                req.query.emplace_back(std::move(*k), std::move(*v));
            }
        }
        start = amp + 1;
    }
    return true;
}

// Beast's parser stops at the first malformed byte; it cannot tell "HTTP/2.0" (a version we do
// not speak: 505) from "FOO/1.1" or a bad line ending (400). Beast reports a bad version only
// once the 8 bytes after the target are in, so looking at those 8 gives the same answer however
// the stream was split into reads.
bool namesAnotherHttpVersion(std::string_view pending) {
    const size_t afterMethod = pending.find(' ');
    if (afterMethod == std::string_view::npos) {
        return false;
    }
    const size_t afterTarget = pending.find(' ', afterMethod + 1);
    if (afterTarget == std::string_view::npos) {
        return false;
    }
    const std::string_view version = pending.substr(afterTarget + 1, 8);
    return version.rfind("HTTP/", 0) == 0 && version != "HTTP/1.1" && version != "HTTP/1.0";
}

}  // namespace

// One request as Beast's parser reports it: the request line, the fields (names lower-cased),
// then the body, kept or only counted. A chunk that would take the body over its cap stops the
// parse with error::body_limit before its bytes are read. Lives for one request.
class BeastRequestSink final : public http::basic_parser<true> {
  public:
    explicit BeastRequestSink(size_t maxHeaderBytes) {
        // One more than ours, so HttpRequestParser's exact count decides (see next()).
        header_limit(static_cast<std::uint32_t>(
            std::min<size_t>(maxHeaderBytes, std::numeric_limits<std::uint32_t>::max() - 1) + 1));
        // The cap depends on the route: see setBodyLimit. (Not boost::none: Beast 1.74 compares
        // a Content-Length with an empty optional as "over the limit".)
        body_limit(std::numeric_limits<std::uint64_t>::max());
    }

    HttpRequest& request() { return request_; }
    void setBodyLimit(uint64_t limit) { limit_ = limit; }
    void discardBody() { discarding_ = true; }
    bool discarding() const { return discarding_; }
    uint64_t discarded() const { return discarded_; }
    // The body size a chunk header announced over the cap.
    uint64_t refusedLength() const { return refusedLength_; }

  private:
    // http::basic_parser
    void on_request_impl(http::verb, boost::beast::string_view methodText,
                         boost::beast::string_view target, int version, error_code&) override {
        request_.method.assign(methodText.data(), methodText.size());
        request_.target.assign(target.data(), target.size());
        request_.minorVersion = version == 11 ? 1 : 0;
    }
    void on_response_impl(int, boost::beast::string_view, int, error_code&) override {}
    void on_field_impl(http::field, boost::beast::string_view name, boost::beast::string_view value,
                       error_code&) override {
        request_.headers.emplace_back(lower(std::string_view(name.data(), name.size())),
                                      std::string(value.data(), value.size()));
    }
    void on_header_impl(error_code&) override {}
    void on_body_init_impl(const boost::optional<std::uint64_t>&, error_code&) override {}
    std::size_t on_body_impl(boost::beast::string_view body, error_code&) override {
        if (discarding_) {
            discarded_ += body.size();
        } else {
            request_.body.append(body.data(), body.size());
        }
        return body.size();
    }
    void on_chunk_header_impl(std::uint64_t size, boost::beast::string_view,
                              error_code& ec) override {
        const uint64_t have = request_.body.size();
        if (have > limit_ || size > limit_ - have) {
            refusedLength_ = size > std::numeric_limits<uint64_t>::max() - have
                                 ? std::numeric_limits<uint64_t>::max()
                                 : have + size;
            ec = http::error::body_limit;
        }
    }
    std::size_t on_chunk_body_impl(std::uint64_t, boost::beast::string_view body,
                                   error_code&) override {
        request_.body.append(body.data(), body.size());
        return body.size();
    }
    void on_finish_impl(error_code&) override {}

    HttpRequest request_;
    uint64_t limit_ = std::numeric_limits<uint64_t>::max();
    bool discarding_ = false;
    uint64_t discarded_ = 0;
    uint64_t refusedLength_ = 0;
};

HttpRequestParser::HttpRequestParser(Limits limits) : limits_(std::move(limits)) {}
HttpRequestParser::HttpRequestParser(HttpRequestParser&&) noexcept = default;
HttpRequestParser& HttpRequestParser::operator=(HttpRequestParser&&) noexcept = default;
HttpRequestParser::~HttpRequestParser() = default;

void HttpRequestParser::append(const char* data, size_t size) {
    if (failed_) {
        return;
    }
    buffer_.append(data, size);
}

void HttpRequestParser::compact() {
    if (pos_ > 0 && (pos_ > 65536 || pos_ == buffer_.size())) {
        buffer_.erase(0, pos_);
        pos_ = 0;
    }
}

void HttpRequestParser::skipEmptyLines() {
    // Tolerate empty lines before a request line (RFC 7230 §3.5).
    while (pos_ < buffer_.size() && (buffer_[pos_] == '\r' || buffer_[pos_] == '\n')) {
        ++pos_;
    }
}

HttpRequestParser::Outcome HttpRequestParser::fail(int status, std::string text) {
    failed_ = true;
    sink_.reset();
    buffer_.clear();
    pos_ = 0;
    Outcome o;
    o.kind = Outcome::Kind::Fail;
    o.failure = HttpResponse::text(status, std::move(text));
    o.failure.close = true;
    return o;
}

HttpRequestParser::Outcome HttpRequestParser::failTooLarge(uint64_t length) {
    Outcome o;
    if (limits_.tooLarge) {
        o.failure = limits_.tooLarge(sink_->request(), length);
    } else {
        o.failure = HttpResponse::text(413, "413 Request Entity Too Large");
    }
    o.failure.close = true;
    o.kind = Outcome::Kind::Fail;
    failed_ = true;
    sink_.reset();
    buffer_.clear();
    pos_ = 0;
    return o;
}

HttpRequestParser::Outcome HttpRequestParser::complete() {
    Outcome o;
    o.kind = Outcome::Kind::Request;
    o.request = std::move(sink_->request());
    sink_.reset();
    continueSent_ = false;
    compact();
    return o;
}

// The head is read: apply what the routes rely on (decoded path and query, keep-alive) and the
// body policy (cap, 100-continue, drop). A failure to answer, or nothing to go on.
std::optional<HttpRequestParser::Outcome> HttpRequestParser::onHead() {
    HttpRequest& req = sink_->request();
    if (!parseTarget(req)) {
        return fail(400, "400 Bad Request");
    }
    const std::string* connection = req.header("connection");
    if (req.minorVersion == 0) {
        req.keepAlive = connection != nullptr && containsToken(*connection, "keep-alive");
    } else {
        req.keepAlive = connection == nullptr || !containsToken(*connection, "close");
    }
    if (req.header("transfer-encoding") != nullptr && !sink_->chunked()) {
        return fail(501, "501 Not Implemented");  // a coding we cannot undo (gzip, ...)
    }
    const uint64_t limit =
        limits_.bodyLimit ? limits_.bodyLimit(req) : std::numeric_limits<uint64_t>::max();
    sink_->setBodyLimit(limit);
    const auto length = sink_->content_length();
    if (length && *length > limit) {
        const std::string* expect = req.header("expect");
        if (expect != nullptr && lower(*expect) == "100-continue") {
            return failTooLarge(*length);  // refused before the client sends the body
        }
        sink_->discardBody();
    }
    return std::nullopt;
}

HttpRequestParser::Outcome HttpRequestParser::next() {
    if (failed_) {
        return {};
    }
    if (!sink_) {
        skipEmptyLines();
        if (buffered() == 0) {
            compact();
            return {};
        }
        sink_ = std::make_unique<BeastRequestSink>(limits_.maxHeaderBytes);
        continueSent_ = false;
        headBytes_ = 0;
    }
    while (true) {
        if (buffered() == 0) {
            const std::string* expect =
                sink_->is_header_done() ? sink_->request().header("expect") : nullptr;
            if (expect != nullptr && !continueSent_ && lower(*expect) == "100-continue") {
                continueSent_ = true;
                Outcome o;
                o.kind = Outcome::Kind::ExpectContinue;
                return o;
            }
            compact();
            return {};
        }
        const bool hadHead = sink_->is_header_done();
        error_code ec;
        const size_t used =
            sink_->put(boost::asio::const_buffer(buffer_.data() + pos_, buffered()), ec);
        pos_ += used;
        if (!hadHead && (!ec || ec == http::error::need_more)) {
            // The head limit counts from the first byte of the request line, whatever the reads
            // (Beast's own count starts after the request line when it came in one read).
            headBytes_ += used;
            const size_t seen = headBytes_ + (sink_->is_header_done() ? 0 : buffered());
            if (seen > limits_.maxHeaderBytes) {
                return fail(431, "431 Request Header Fields Too Large");
            }
        }
        if (ec == http::error::need_more || (!ec && used == 0 && !sink_->is_done())) {
            if (used == 0) {
                compact();
                return {};
            }
            continue;
        }
        if (ec == http::error::header_limit) {
            return fail(431, "431 Request Header Fields Too Large");
        }
        if (ec == http::error::body_limit) {
            return failTooLarge(sink_->refusedLength());
        }
        if (ec == http::error::bad_version &&
            namesAnotherHttpVersion(std::string_view(buffer_).substr(pos_))) {
            return fail(505, "505 HTTP Version Not Supported");
        }
        if (ec) {
            return fail(400, "400 Bad Request");
        }
        if (!hadHead && sink_->is_header_done()) {
            if (auto refused = onHead()) {
                return std::move(*refused);
            }
        }
        if (sink_->discarding() && (sink_->is_done() || sink_->discarded() >= kMaxDiscard)) {
            return failTooLarge(*sink_->content_length());
        }
        if (sink_->is_done()) {
            return complete();
        }
    }
}

}  // namespace meshx::agent
