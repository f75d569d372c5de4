#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "consul/connect_types.h"
#include "consul/consul_api.h"

namespace meshx::consul {
class BlockingQueryLoop;
}

namespace meshx::proxy {

// One CA roots watch for every sidecar of a proxy host. The roots are the agent's, the same for
// every service, yet each hosted sidecar watched them itself: a thread, a first read and a
// parked long poll (two agent connections and a JSON decode) per sidecar, 1,000 of each at a
// batch start (docs/benchmarks.md, "Started means listening"). A CertificateWatcher given one
// subscribes instead of watching; leaf watches stay per sidecar.
//
// Thread safety: any thread. Handlers run on the watch's thread (or in subscribe()) with the
// subscription lock held, so no handler runs for a subscription after unsubscribe() returns.
class SharedRoots {
  public:
    using Handler = std::function<void(const consul::CaRoots&)>;
    // A failed read of the roots (the watch retries with back-off).
    using ErrorHandler = std::function<void(const std::string& message)>;

    // `api` is owned; the watch starts with the first subscription.
    SharedRoots(std::unique_ptr<consul::ConsulApi> api, ErrorHandler onError);
    // Stops the watch. Every subscription must be gone.
    ~SharedRoots();
    SharedRoots(const SharedRoots&) = delete;
    SharedRoots& operator=(const SharedRoots&) = delete;

    // Calls `handler` now with the current roots when they are known, then on every change.
    // Any thread but a handler's.
    uint64_t subscribe(Handler handler);
    // Any thread but a handler's. Unknown ids are ignored.
    void unsubscribe(uint64_t id);

  private:
    void onRoots(const consul::CaRoots& roots);

    std::unique_ptr<consul::ConsulApi> api_;
    ErrorHandler onError_;
    std::mutex mutex_;
    std::optional<consul::CaRoots> roots_;
    std::map<uint64_t, Handler> handlers_;
    uint64_t nextId_ = 1;
    std::unique_ptr<consul::BlockingQueryLoop> watch_;
    bool started_ = false;
};

}  // namespace meshx::proxy
