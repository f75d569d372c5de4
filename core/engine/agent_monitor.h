#pragma once

#include <QObject>
#include <QString>
#include <QStringList>
#include <QTimer>

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "consul/agent_types.h"
#include "engine/agent_snapshot.h"

namespace meshx::consul {
class BlockingWatcher;
class ConsulApi;
}  // namespace meshx::consul

namespace meshx::engine {

// Keeps an up-to-date picture of the agent for every view, without ever blocking the GUI thread:
//   - services: GET /agent/services on a timer (the endpoint has no blocking form);
//   - checks: a blocking query on /health/state/any, so every status change arrives at once
//     (the health history is built from these);
//   - destination health: GET /health/service/:name for the names views ask about;
//   - agent self (datacenter, node) whenever the agent (re)appears.
// A failed poll marks the agent unreachable; the next good one marks it back and re-reads self,
// so views say "agent gone" and recover on their own. Each change is also published on the
// telemetry bus (source "console", name "agent.unreachable" / "agent.reachable").
//
// Thread: GUI thread (create, call, destroy); signals are emitted on it. `api` must outlive it.
class AgentMonitor : public QObject {
    Q_OBJECT

  public:
    explicit AgentMonitor(consul::ConsulApi& api, QObject* parent = nullptr);
    ~AgentMonitor() override;

    // Starts polling every `interval` and the checks watcher.
    void start(std::chrono::milliseconds interval = std::chrono::milliseconds(1000));
    // Polls now (after a command, so its effect shows without waiting for the timer).
    void refreshNow();

    bool reachable() const { return reachable_; }
    const QString& lastError() const { return lastError_; }
    // Times the agent went from answering (or unknown) to not answering.
    int outages() const { return outages_; }
    bool hasSelf() const { return hasSelf_; }
    const consul::AgentSelf& self() const { return self_; }
    // The agent node's address (Member.Addr), where services registered without an address
    // are reached; empty until known.
    std::string nodeAddress() const;
    const AgentSnapshot& snapshot() const { return snapshot_; }

    // Names whose catalog-wide health destinations() should carry (upstream destinations).
    void setDestinations(const QStringList& names);
    const std::map<std::string, DestinationHealth>& destinations() const { return destinations_; }

  signals:
    void servicesChanged();
    // Checks replaced; `timeUs` is when the change was seen (wall clock, microseconds).
    void checksChanged(qint64 timeUs);
    void reachabilityChanged(bool reachable, const QString& error);
    void selfChanged();
    void destinationsChanged();

  private:
    void poll();
    void pollDestinations();
    void readSelf();
    void setReachable(bool reachable, const QString& error);
    void onChecks(const std::vector<consul::HealthCheck>& checks);

    consul::ConsulApi& api_;
    QTimer timer_;
    std::unique_ptr<consul::BlockingWatcher> checksWatcher_;
    bool polling_ = false;
    int destinationsInFlight_ = 0;
    bool reachable_ = false;
    bool known_ = false;  // false until the first poll answers or fails
    QString lastError_;
    int outages_ = 0;
    bool hasSelf_ = false;
    consul::AgentSelf self_;
    AgentSnapshot snapshot_;
    std::vector<consul::HealthCheck> allChecks_;  // as watched, before the node filter
    QStringList destinationNames_;
    std::map<std::string, DestinationHealth> destinations_;
};

}  // namespace meshx::engine
