#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include <openssl/types.h>

#include "common/mesh_config.h"
#include "common/result.h"
#include "consul/cancel_token.h"

namespace meshx::proxy {

// One blocking HTTP/1.1 exchange's byte stream to the agent: TCP, unix socket, or TLS over TCP
// (https://, as MeshConfig says). The socket stays non-blocking and every wait is a poll() bounded
// by the caller's deadline; a cancel of either token shuts the socket down, which wakes the poll
// at once (a blocking query may otherwise sit in it for ten minutes).
//
// Errors: AgentUnreachable (refused, no such host, TLS handshake or verification, timeout, reset),
// Closed (cancelled). Messages name the agent, never the token. Used by one thread at a time.
class AgentConnection {
  public:
    using Deadline = std::chrono::steady_clock::time_point;

    // Connects (and shakes hands when `tls` is set) before `deadline`. `tls` is the client's
    // context (CA, client certificate, verification), shared by its connections; null for http://
    // and unix://. `serverName` is what TLS verifies and sends as SNI.
    static Result<std::unique_ptr<AgentConnection>> open(const AgentEndpoint& agent, SSL_CTX* tls,
                                                         const std::string& serverName,
                                                         Deadline deadline,
                                                         const consul::CancelToken& cancel,
                                                         const consul::CancelToken& shutdown);
    ~AgentConnection();
    AgentConnection(const AgentConnection&) = delete;
    AgentConnection& operator=(const AgentConnection&) = delete;

    // Writes all of `bytes` before `deadline`.
    Status writeAll(std::string_view bytes, Deadline deadline);
    // Reads what is there (waiting up to `deadline` for something) into `buffer`; 0 at the end
    // of the stream.
    Result<std::size_t> readSome(char* buffer, std::size_t size, Deadline deadline);

  private:
    AgentConnection(int fd, const consul::CancelToken& cancel, const consul::CancelToken& shutdown);
    // Waits for `events` on the socket; AgentUnreachable on timeout, Closed on cancel.
    Status wait(short events, Deadline deadline, const char* what);
    Status handshake(SSL_CTX* tls, const std::string& serverName, Deadline deadline);
    bool cancelled() const;

    int fd_ = -1;
    SSL* ssl_ = nullptr;
    consul::CancelToken cancel_;
    consul::CancelToken shutdown_;
    // Wakers shutting the socket down; the destructor drops them before it closes the socket.
    consul::CancelToken::Registration onCancel_;
    consul::CancelToken::Registration onShutdown_;
};

}  // namespace meshx::proxy
