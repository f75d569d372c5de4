#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "agent/http_request.h"
#include "agent/http_response.h"

namespace meshx::agent {

// Incremental HTTP/1.x request parser for one connection: request line, headers,
// Content-Length or chunked bodies, `Expect: 100-continue`, pipelined requests. Caps the header
// block and the body before buffering them. Bytes in, requests out; no I/O.
//
//   parser.append(bytes);
//   for (auto o = parser.next(); o.kind != Outcome::Kind::NeedMore; o = parser.next()) ...
//
// After a Fail the connection must be closed (the stream cannot be resynchronised).
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

    void append(const char* data, size_t size);
    Outcome next();
    size_t buffered() const { return buffer_.size() - pos_; }
    // True while a request has started but is not complete.
    bool midRequest() const { return state_ != State::Head || buffered() > 0; }

  private:
    enum class State { Head, Body, Chunked, Discard, Failed };

    Outcome parseHead();
    Outcome parseChunked();
    Outcome fail(int status, std::string text);
    Outcome complete();
    void compact();

    Limits limits_;
    std::string buffer_;
    size_t pos_ = 0;
    State state_ = State::Head;
    HttpRequest current_;
    uint64_t remaining_ = 0;  // Body / Discard
    uint64_t limit_ = 0;
    uint64_t discarded_ = 0;
    bool continueSent_ = false;
    bool expectContinue_ = false;
};

// Percent-decoding; `plusIsSpace` for query strings. nullopt on a malformed escape.
std::optional<std::string> percentDecode(std::string_view text, bool plusIsSpace);

}  // namespace meshx::agent
