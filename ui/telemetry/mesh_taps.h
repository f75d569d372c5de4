#pragma once

#include <QObject>
#include <QPointer>
#include <QTimer>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "telemetry/watch/tap_discovery.h"
#include "telemetry/watch/tap_subscriber.h"

namespace meshx::ui {

class ConsoleContext;

// Finds every tap of the mesh through the agent and keeps the console's TapSubscriber pointed
// at them: the local agent's services (the AgentMonitor's snapshot, re-read on every
// servicesChanged, so taps follow services as they come and go) and, every few seconds, the
// catalog's services on other nodes (where their tap address is reachable from here). Also
// knows each service id's name (and a sidecar's fronted service) for the service graph.
//
// Thread: GUI thread. The subscriber's own thread does all tap I/O.
class MeshTaps : public QObject {
    Q_OBJECT

  public:
    static constexpr int kCatalogPeriodMs = 5000;
    static constexpr size_t kMaxCatalogNames = 64;  // catalog services looked at per round

    explicit MeshTaps(QObject* parent = nullptr);
    ~MeshTaps() override;

    // The session's context, or null when it goes (every tap is then let go).
    void setContext(ConsoleContext* context);
    telemetry::TapSubscriber& subscriber() { return *subscriber_; }
    std::shared_ptr<telemetry::TapSubscriber> subscriberPtr() const { return subscriber_; }
    const std::vector<telemetry::TapTarget>& targets() const { return targets_; }
    // Service id -> service name, sidecars -> the service they front.
    const std::map<std::string, std::string>& serviceNames() const { return names_; }

  signals:
    void targetsChanged();

  private:
    void rediscover();
    void readCatalog();

    QPointer<ConsoleContext> context_;
    std::shared_ptr<telemetry::TapSubscriber> subscriber_;
    std::vector<telemetry::TapTarget> targets_;
    std::vector<telemetry::TapAdvert> remote_;  // catalog registrations on other nodes
    std::map<std::string, std::string> names_;
    QTimer catalogTimer_;
    int catalogInFlight_ = 0;
};

}  // namespace meshx::ui
