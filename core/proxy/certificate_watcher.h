#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "consul/connect_types.h"
#include "consul/consul_api.h"
#include "proxy/logger.h"
#include "proxy/tls_context.h"

namespace meshx::consul {
class BlockingQueryLoop;
}

namespace meshx::proxy {

class SharedRoots;

// Keeps the CA roots and our leaf current with two index-blocking watches
// (`/v1/agent/connect/ca/roots`, `/v1/agent/connect/ca/leaf/<service>`, reference §5.1 step 5)
// and reports a new TlsContext whenever either changes and the pair is usable (the leaf
// verifies against the roots; during a rotation one side may briefly lag the other, which is
// logged and waited out).
class CertificateWatcher {
  public:
    using Handler = std::function<void(std::shared_ptr<const TlsContext>)>;

    // Any thread. `onTls` runs on a watcher thread. `api` and `log` must outlive it. With
    // `sharedRoots` (a proxy host's) the roots come from it instead of a watch of our own.
    CertificateWatcher(consul::ConsulApi& api, Logger& log, std::string service, Handler onTls,
                       std::shared_ptr<SharedRoots> sharedRoots = nullptr);
    // Any thread but a handler's. Stops both watches.
    ~CertificateWatcher();

    // Any thread.
    void start();
    const std::string& service() const { return service_; }

  private:
    void rebuild();  // under mutex_
    void onRoots(const consul::CaRoots& roots);

    Logger& log_;
    std::string service_;
    Handler onTls_;
    std::mutex mutex_;
    std::optional<consul::CaRoots> roots_;
    std::optional<consul::LeafCert> leaf_;
    std::unique_ptr<consul::BlockingQueryLoop> rootsWatcher_;
    std::unique_ptr<consul::BlockingQueryLoop> leafWatcher_;
    std::shared_ptr<SharedRoots> sharedRoots_;
    uint64_t rootsSubscription_ = 0;  // of sharedRoots_, 0 when none
};

}  // namespace meshx::proxy
