#pragma once

#include <QObject>
#include <QString>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "mesh/proxy_info.h"
#include "mesh/service_mesh.h"
#include "net/address.h"

namespace meshx::ui {

class ConsoleContext;
struct StartPreview;

// The console's verbs on the engine, each run on the runner's command lane (never the GUI
// thread) and answered on the GUI thread. After each command the context refreshes, so its
// effect shows at once.
//
// cancel(): commands still queued do not run; a start already running is undone when it
// returns (the service is stopped again) — the engine's start itself cannot be interrupted.
// Cancelled commands answer Closed ("cancelled ...").
//
// Thread: GUI thread. `done` runs only while `receiver` lives.
class ServiceCommands : public QObject {
    Q_OBJECT

  public:
    using StatusDone = std::function<void(Status)>;

    ServiceCommands(ConsoleContext& context, QObject* parent = nullptr);

    void start(const StartPreview& preview, bool forceRegistration, QObject* receiver,
               std::function<void(Result<mesh::Started>)> done);
    void stop(const QString& serviceId, QObject* receiver, StatusDone done);
    void setTtlStatus(const QString& serviceId, const QString& status, QObject* receiver,
                      StatusDone done);
    void restartProxy(const QString& serviceId, QObject* receiver, StatusDone done);
    // Adds `destination` as an upstream of `proxyServiceId`'s sidecar (starting that proxy
    // service first when it is not there, as the engine's connect does); answers the local
    // address to dial.
    void connectUpstream(const QString& destination, const QString& proxyServiceId,
                         QObject* receiver, std::function<void(Result<net::Address>)> done);
    void disconnectUpstream(const QString& destination, const QString& proxyServiceId,
                            bool restartProxy, QObject* receiver, StatusDone done);

    // Queries (query lane, no progress indicator).
    void info(const QString& serviceId, QObject* receiver,
              std::function<void(Result<nlohmann::json>)> done);
    void proxyInfo(const QString& serviceId, QObject* receiver,
                   std::function<void(Result<mesh::ProxyInfo>)> done);

    void cancel();

  private:
    template <typename R>
    void command(const QString& label, std::function<R()> work, QObject* receiver,
                 std::function<void(R)> done);

    ConsoleContext& context_;
    uint64_t nextSeq_ = 1;
    // Commands with a sequence number below this one are cancelled (read by the worker).
    std::shared_ptr<std::atomic<uint64_t>> cancelBefore_;
};

}  // namespace meshx::ui
