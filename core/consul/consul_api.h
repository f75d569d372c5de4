#pragma once

#include <functional>
#include <utility>

#include "common/result.h"
#include "consul/call.h"
#include "consul/request.h"
#include "consul/response.h"

class QObject;

namespace meshx::consul {

// The Consul agent's HTTP API as the engine, the proxy and the console see it: the seam the
// engine depends on. ConsulClient (libcurl) implements it.
//
// Errors (meshx::Error, see consul_error.h for the status/body readers):
//   AgentUnreachable  transport failure: refused, DNS, TLS, timeout
//   PermissionDenied  HTTP 403        NotFound  HTTP 404        HttpError  other non-2xx
//   Closed            the request was cancelled (its CancelToken, or the client shutting down)
//   ProtocolError     reply unreadable (bad JSON, wrong field types, oversized)
// No error message ever contains the ACL token.
class ConsulApi {
  public:
    using ResponseCallback = std::function<void(Result<Response>)>;

    virtual ~ConsulApi() = default;

    // Any thread; blocks the calling thread until the reply (bounded by the request's timeout;
    // a blocking query by its wait + wait/16 + the request timeout). Never call it on a thread
    // whose event loop must stay responsive: use sendAsync there.
    virtual Result<Response> send(const Request& request) = 0;

    // Any thread, while `context` is alive. Runs the request on a worker thread and calls `done`
    // on `context`'s thread (never on the caller's stack). If `context` is destroyed first,
    // `done` is dropped; so is it once the implementation is destroyed. A null `context` calls
    // `done` on the worker thread. Cancel through request.cancel.
    virtual void sendAsync(Request request, QObject* context, ResponseCallback done) = 0;

    // Typed forms of the two above, same threads; `decode` runs on the delivering thread
    // (the caller's for call, `context`'s for callAsync).
    template <typename T>
    Result<T> call(const Call<T>& c) {
        auto response = send(c.request);
        if (!response) {
            return response.error();
        }
        return c.decode(*response);
    }

    template <typename T>
    void callAsync(Call<T> c, QObject* context, std::function<void(Result<T>)> done) {
        sendAsync(std::move(c.request), context,
                  [decode = std::move(c.decode), done = std::move(done)](Result<Response> r) {
                      if (!r) {
                          done(Result<T>(r.error()));
                          return;
                      }
                      done(decode(*r));
                  });
    }
};

}  // namespace meshx::consul
