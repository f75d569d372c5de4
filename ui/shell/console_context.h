#pragma once

#include <QObject>

#include <chrono>
#include <set>
#include <string>

namespace meshx::engine {
class AgentMonitor;
}

namespace meshx::ui {

class ConsoleSession;
class HealthHistoryModel;
class IntentionsModel;
class ProxyLogModel;
class ServiceCommands;
class ServicesModel;
class UpstreamsModel;

// The shared state every view reads: the engine session's watches (agent monitor, intentions)
// feeding the services, upstreams, health-history and intentions models, the proxy log tapped
// from the telemetry bus, and which services this console owns. Views get models and commands from
// here and keep no engine state of their own.
//
// Thread: GUI thread. `session` must outlive the context.
class ConsoleContext : public QObject {
    Q_OBJECT

  public:
    explicit ConsoleContext(ConsoleSession& session, QObject* parent = nullptr);
    ~ConsoleContext() override;

    // Starts the agent polling (every `interval`), the watches and the owned-services refresh.
    void start(std::chrono::milliseconds interval = std::chrono::milliseconds(1000));

    ConsoleSession& session() { return session_; }
    engine::AgentMonitor& monitor() { return *monitor_; }
    ServicesModel& services() { return *services_; }
    HealthHistoryModel& history() { return *history_; }
    UpstreamsModel& upstreams() { return *upstreams_; }
    ProxyLogModel& logs() { return *logs_; }
    IntentionsModel& intentions() { return *intentions_; }
    ServiceCommands& commands() { return *commands_; }

    // Ids of the services the engine started, as last asked.
    const std::set<std::string>& owned() const { return owned_; }
    // Asks the engine for its owned services and the agent for a fresh look (after a command).
    void refresh();

  signals:
    void ownedChanged();

  private:
    void refreshOwned();

    ConsoleSession& session_;
    engine::AgentMonitor* monitor_;  // the session's
    ServicesModel* services_;
    HealthHistoryModel* history_;
    UpstreamsModel* upstreams_;
    ProxyLogModel* logs_;
    IntentionsModel* intentions_;
    ServiceCommands* commands_;
    std::set<std::string> owned_;
};

}  // namespace meshx::ui
