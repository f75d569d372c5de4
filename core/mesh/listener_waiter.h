#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <QMetaObject>

#include "common/result.h"

namespace meshx::mesh {

class MeshRuntime;
class ProxySupervisor;

// Waits until sidecars accept connections on their public ports: what "started" means for a
// service with a sidecar (docs/architecture.md, "Started means listening"). A sidecar that
// reports its listener (ProxySupervisor::reportsListener(), every meshx-proxy, hosted or not)
// is waited for; others (consul connect proxy, Envoy) count as ready at once.
//
// The states arrive as signals on the runtime thread and are kept here under a mutex, so a
// wait for 1,000 sidecars costs one wake-up per report, not a poll of every sidecar.
//
// Thread: construct, wait and destroy on a thread that is NOT the runtime thread (the runtime
// thread delivers the reports); the constructor and destructor hop to it.
class ListenerWaiter {
  public:
    // `proxies[i]` may be null (a service without a sidecar: ready).
    ListenerWaiter(MeshRuntime& runtime, const std::vector<ProxySupervisor*>& proxies,
                   std::vector<std::string> serviceIds);
    ~ListenerWaiter();
    ListenerWaiter(const ListenerWaiter&) = delete;
    ListenerWaiter& operator=(const ListenerWaiter&) = delete;

    // Blocks until every sidecar listens or exited, or `deadline` passed. One Status per proxy,
    // in order: ok when it listens (or does not report); ProxyFailed when it exited (the exit
    // reason) or did not listen by the deadline: with the bind error when its last report was a
    // failure to bind (it retries every 2 s until then), else quoting `timeout`.
    std::vector<Status> wait(std::chrono::steady_clock::time_point deadline,
                             std::chrono::milliseconds timeout);

  private:
    enum class State { Waiting, Listening, Failed, Exited };
    struct Shared {
        std::mutex mutex;
        std::condition_variable changed;
        std::vector<State> states;
        std::vector<std::string> details;
    };

    MeshRuntime& runtime_;
    std::vector<std::string> serviceIds_;
    std::shared_ptr<Shared> shared_;
    std::vector<QMetaObject::Connection> connections_;
};

}  // namespace meshx::mesh
