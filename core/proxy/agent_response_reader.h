#pragma once

#include <cstddef>
#include <memory>
#include <string_view>

#include "common/result.h"
#include "consul/response.h"

namespace meshx::proxy {

// Reads one HTTP/1.1 reply from the agent as it arrives, in pieces of any size, with
// Boost.Beast's parser (the one the dev agent uses for requests): status line, headers,
// Content-Length or chunked body, or a body that runs to the end of the stream.
//
//   AgentResponseReader reader(maxBytes);
//   while (!reader.done()) { n = read(...); n == 0 ? reader.finish() : reader.feed({buf, n}); }
//   Response r = reader.take();
//
// Errors are ProtocolError (malformed status line, header or chunk; reply over `maxBodyBytes`;
// malformed X-Consul-Index) or, when the stream ends before a whole reply, AgentUnreachable
// ("empty reply" when nothing came, as curl reports it). Pure: no I/O, one thread at a time.
class AgentResponseReader {
  public:
    explicit AgentResponseReader(std::size_t maxBodyBytes);
    ~AgentResponseReader();
    AgentResponseReader(const AgentResponseReader&) = delete;
    AgentResponseReader& operator=(const AgentResponseReader&) = delete;

    // Takes the next bytes of the stream.
    Status feed(std::string_view bytes);
    // The stream ended (the agent closed the connection).
    Status finish();
    // A whole reply has been read.
    bool done() const;
    // The reply: status, lower-cased headers, body, X-Consul-Index. Once, after done().
    Result<consul::Response> take();

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace meshx::proxy
