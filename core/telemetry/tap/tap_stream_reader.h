#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace meshx::telemetry {

// The client side of a tap stream, bytes in, lines out: the HTTP/1.1 response head (200 or an
// error status), then chunked (or close-delimited) JSON lines. No I/O. One thread.
//
//   reader.append(bytes);                   // as they arrive
//   auto lines = reader.takeLines();        // whole lines, without '\n'
//   if (reader.failed()) reader.error() ... // a non-200 answer (with its body) or bad framing
class TapStreamReader {
  public:
    // Feeds received bytes. Once failed, further bytes are ignored.
    void append(std::string_view bytes);
    // The peer closed: a non-200 answer is complete now; an unfinished stream is not an error.
    void finish();
    // Whole lines received since the last call.
    std::vector<std::string> takeLines();

    bool headDone() const { return state_ != State::Head; }
    int status() const { return status_; }
    bool failed() const { return failed_; }
    // The reason of a failure: "HTTP 400: {"error":...}" or the framing problem.
    const Error& error() const { return error_; }

  private:
    enum class State { Head, ChunkSize, ChunkData, ChunkEnd, Raw, ErrorBody, Done };

    void parseHead(std::string_view head);
    void deliver(std::string_view data);
    void fail(std::string message);

    State state_ = State::Head;
    std::string buffer_;
    std::string partial_;  // line data not ended by '\n' yet
    std::vector<std::string> lines_;
    size_t chunkLeft_ = 0;
    int status_ = 0;
    bool chunked_ = false;
    bool failed_ = false;
    Error error_;
};

}  // namespace meshx::telemetry
