#pragma once

#include <functional>
#include <memory>

#include "agent/http_request.h"
#include "agent/http_response.h"

namespace meshx::agent {

// One request and the promise of its response. A handler answers at once, or keeps the
// exchange (a parked blocking query) and answers later. If the client goes away first the
// abort hook runs (to unpark) and a later respond() is dropped. Agent thread only.
class HttpExchange {
  public:
    using Sink = std::function<void(HttpResponse)>;

    HttpExchange(HttpRequest request, Sink sink)
        : request_(std::move(request)), sink_(std::move(sink)) {}

    const HttpRequest& request() const { return request_; }
    bool answered() const { return answered_; }

    // First call wins; later calls and calls after abort() are ignored.
    void respond(HttpResponse response) {
        if (answered_) {
            return;
        }
        answered_ = true;
        onAbort_ = nullptr;
        if (sink_) {
            auto sink = std::move(sink_);
            sink(std::move(response));
        }
    }

    void setOnAbort(std::function<void()> hook) { onAbort_ = std::move(hook); }

    // The connection closed before the answer.
    void abort() {
        if (answered_) {
            return;
        }
        answered_ = true;
        sink_ = nullptr;
        if (onAbort_) {
            auto hook = std::move(onAbort_);
            hook();
        }
    }

  private:
    HttpRequest request_;
    Sink sink_;
    std::function<void()> onAbort_;
    bool answered_ = false;
};

using ExchangePtr = std::shared_ptr<HttpExchange>;

}  // namespace meshx::agent
