#include "mesh/listener_waiter.h"

#include <QObject>

#include "mesh/mesh_runtime.h"
#include "mesh/proxy_supervisor.h"

namespace meshx::mesh {

ListenerWaiter::ListenerWaiter(MeshRuntime& runtime, const std::vector<ProxySupervisor*>& proxies,
                               std::vector<std::string> serviceIds)
    : runtime_(runtime), serviceIds_(std::move(serviceIds)), shared_(std::make_shared<Shared>()) {
    const size_t n = proxies.size();
    shared_->states.assign(n, State::Listening);
    shared_->details.assign(n, std::string());
    serviceIds_.resize(n);
    // Connect and read the current states in one hop: no report can fall in between.
    runtime_.run([&] {
        std::lock_guard lock(shared_->mutex);
        for (size_t i = 0; i < n; ++i) {
            ProxySupervisor* p = proxies[i];
            if (p == nullptr || !p->reportsListener()) {
                continue;
            }
            auto shared = shared_;
            auto update = [shared, i](State state, std::string detail) {
                {
                    std::lock_guard guard(shared->mutex);
                    if (shared->states[i] == State::Exited) {
                        return;  // the first exit decides: a restart's report comes too late
                    }
                    shared->states[i] = state;
                    shared->details[i] = std::move(detail);
                }
                shared->changed.notify_all();
            };
            connections_.push_back(
                QObject::connect(p, &ProxySupervisor::listenerChanged, p, [p, update] {
                    update(p->listenerState() == ListenerState::Listening ? State::Listening
                                                                          : State::Failed,
                           p->listenerDetail());
                }));
            connections_.push_back(QObject::connect(p, &ProxySupervisor::exited, p,
                                                    [update](qint64, const QString& reason) {
                                                        update(State::Exited, reason.toStdString());
                                                    }));
            switch (p->listenerState()) {
                case ListenerState::Listening:
                    shared_->states[i] = State::Listening;
                    break;
                case ListenerState::Failed:
                    shared_->states[i] = State::Failed;
                    break;
                case ListenerState::Unknown:
                    shared_->states[i] = State::Waiting;
                    break;
            }
            shared_->details[i] = p->listenerDetail();
        }
    });
}

ListenerWaiter::~ListenerWaiter() {
    runtime_.run([&] {
        for (const auto& c : connections_) {
            QObject::disconnect(c);
        }
    });
}

std::vector<Status> ListenerWaiter::wait(std::chrono::steady_clock::time_point deadline,
                                         std::chrono::milliseconds timeout) {
    std::unique_lock lock(shared_->mutex);
    // A bind failure is not final: the proxy tries again every 2 s (the port may belong to
    // something that is about to let go, e.g. another test's or engine's sidecar), so only the
    // deadline turns it into an error, carrying the bind error.
    auto waiting = [&] {
        for (State s : shared_->states) {
            if (s == State::Waiting || s == State::Failed) {
                return true;
            }
        }
        return false;
    };
    shared_->changed.wait_until(lock, deadline, [&] { return !waiting(); });
    std::vector<Status> out(shared_->states.size());
    for (size_t i = 0; i < out.size(); ++i) {
        const std::string& id = serviceIds_[i];
        const std::string& detail = shared_->details[i];
        switch (shared_->states[i]) {
            case State::Listening:
                break;
            case State::Failed:
                out[i] = makeError(Code::ProxyFailed,
                                   "the sidecar of " + id + " cannot listen: " + detail);
                break;
            case State::Exited:
                out[i] =
                    makeError(Code::ProxyFailed,
                              "the proxy of " + id + " exited during start-up (" + detail + ")");
                break;
            case State::Waiting:
                out[i] = makeError(Code::ProxyFailed, "the sidecar of " + id +
                                                          " was not listening after " +
                                                          std::to_string(timeout.count()) + " ms");
                break;
        }
    }
    return out;
}

}  // namespace meshx::mesh
