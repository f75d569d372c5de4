#include "proxy/agent_response_reader.h"

// Boost 1.74's chunked parser asserts on a final chunk header split across reads (see
// core/agent/http_request_parser.cpp, boostorg/beast#2861); the code after the assertion is
// right, so Beast runs here as a release build would.
#define BOOST_DISABLE_ASSERTS
#include <algorithm>
#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cctype>
#include <charconv>
#include <string>

namespace meshx::proxy {

namespace http = boost::beast::http;

namespace {
// Consul's headers are a few hundred bytes; a peer sending more is not an agent.
constexpr std::uint32_t kMaxHeaderBytes = 64u << 10;
}  // namespace

struct AgentResponseReader::Impl {
    http::response_parser<http::string_body> parser;
    std::string pending;  // bytes Beast has not taken yet (it needs whole lines)
    std::size_t maxBodyBytes = 0;
    bool sawBytes = false;
};

AgentResponseReader::AgentResponseReader(std::size_t maxBodyBytes)
    : impl_(std::make_unique<Impl>()) {
    impl_->maxBodyBytes = maxBodyBytes;
    impl_->parser.header_limit(kMaxHeaderBytes);
    impl_->parser.body_limit(maxBodyBytes);
    impl_->parser.eager(true);
}

AgentResponseReader::~AgentResponseReader() = default;

Status AgentResponseReader::feed(std::string_view bytes) {
    if (bytes.empty()) {
        return {};
    }
    impl_->sawBytes = true;
    impl_->pending.append(bytes);
    while (!impl_->pending.empty() && !impl_->parser.is_done()) {
        boost::beast::error_code ec;
        const std::size_t used = impl_->parser.put(
            boost::asio::const_buffer(impl_->pending.data(), impl_->pending.size()), ec);
        impl_->pending.erase(0, used);
        // Beast 1.74 checks body_limit for chunked and read-to-end bodies but not against a
        // response's Content-Length: refuse an oversized reply before its body arrives.
        if ((!ec || ec == http::error::need_more) && impl_->parser.is_header_done() &&
            impl_->parser.content_length().value_or(0) > impl_->maxBodyBytes) {
            ec = http::error::body_limit;
        }
        if (ec == http::error::need_more) {
            break;
        }
        if (ec == http::error::body_limit) {
            return makeError(Code::ProtocolError,
                             "reply larger than " + std::to_string(impl_->maxBodyBytes) + " bytes");
        }
        if (ec) {
            return makeError(Code::ProtocolError, "malformed reply: " + ec.message());
        }
        if (used == 0) {
            break;
        }
    }
    return {};
}

Status AgentResponseReader::finish() {
    if (impl_->parser.is_done()) {
        return {};
    }
    if (!impl_->sawBytes) {
        return makeError(Code::AgentUnreachable, "empty reply from the agent");
    }
    if (!impl_->parser.is_header_done()) {
        return makeError(Code::ProtocolError, "reply ended inside its headers");
    }
    boost::beast::error_code ec;
    impl_->parser.put_eof(ec);
    if (ec) {
        // Content-Length or chunks said more was coming: a cut reply, as curl's "transfer
        // closed with outstanding read data remaining".
        return makeError(Code::AgentUnreachable, "reply cut short: " + ec.message());
    }
    return {};
}

bool AgentResponseReader::done() const {
    return impl_->parser.is_done();
}

Result<consul::Response> AgentResponseReader::take() {
    if (!impl_->parser.is_done()) {
        return makeError(Code::Internal, "reply taken before it was complete");
    }
    auto message = impl_->parser.release();
    consul::Response response;
    response.status = static_cast<int>(message.result_int());
    for (const auto& field : message) {
        std::string name(field.name_string());
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        response.headers.emplace_back(std::move(name), std::string(field.value()));
    }
    response.body = std::move(message.body());
    if (auto index = response.header("x-consul-index"); !index.empty()) {
        auto [ptr, ec] = std::from_chars(index.data(), index.data() + index.size(), response.index);
        if (ec != std::errc() || ptr != index.data() + index.size()) {
            return makeError(Code::ProtocolError, "malformed X-Consul-Index header");
        }
        response.hasIndex = true;
    }
    return response;
}

}  // namespace meshx::proxy
