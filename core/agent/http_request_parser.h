#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "agent/http_request.h"
#include "agent/http_response.h"

namespace meshx::agent {

class BeastRequestSink;

// Incremental HTTP/1.x request parser for one connection: request line, headers,
// Content-Length or chunked bodies, `Expect: 100-continue`, pipelined requests. The HTTP syntax
// is Boost.Beast's parser (RFC 7230, one parser per message); this class adds what the agent
// needs around it: the body cap chosen per request once its head is read, an oversized body
// counted and dropped rather than stored, and Consul's status codes for each failure. Bytes in,
// requests out; no I/O.
//
//   parser.append(bytes);
//   for (auto o = parser.next(); o.kind != Outcome::Kind::NeedMore; o = parser.next()) ...
//
// After a Fail the connection must be closed (the stream cannot be resynchronised).
// Any single thread (the connection's); not thread-safe.
class HttpRequestParser {
  public:
    struct Limits {
        size_t maxHeaderBytes = 1 << 20;
        // Body cap for a request whose head has been read.
        std::function<uint64_t(const HttpRequest&)> bodyLimit;
        // The answer for a body over the cap (length as announced, or as counted so far).
        std::function<HttpResponse(const HttpRequest&, uint64_t length)> tooLarge;
    };

    struct Outcome {
        enum class Kind { NeedMore, Request, ExpectContinue, Fail };
        Kind kind = Kind::NeedMore;
        HttpRequest request;   // Request
        HttpResponse failure;  // Fail
    };

    explicit HttpRequestParser(Limits limits);
    HttpRequestParser(HttpRequestParser&&) noexcept;
    HttpRequestParser& operator=(HttpRequestParser&&) noexcept;
    ~HttpRequestParser();

    void append(const char* data, size_t size);
    Outcome next();
    // Bytes received and not parsed yet.
    size_t buffered() const { return buffer_.size() - pos_; }
    // True while a request has started but is not complete.
    bool midRequest() const { return sink_ != nullptr || buffered() > 0; }

  private:
    Outcome fail(int status, std::string text);
    Outcome failTooLarge(uint64_t length);
    std::optional<Outcome> onHead();
    Outcome complete();
    void skipEmptyLines();
    void compact();

    Limits limits_;
    std::string buffer_;
    size_t pos_ = 0;
    // The request being parsed; null between requests.
    std::unique_ptr<BeastRequestSink> sink_;
    size_t headBytes_ = 0;  // of the request being parsed, while its head is incomplete
    bool continueSent_ = false;
    bool failed_ = false;
};

}  // namespace meshx::agent
