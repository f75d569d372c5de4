#include "ui/shell/console_context.h"

#include <QDateTime>
#include <QTimer>

#include "engine/agent_monitor.h"
#include "engine/intentions_watch.h"
#include "mesh/service_mesh.h"
#include "ui/shared/health_history_model.h"
#include "ui/shared/intentions_model.h"
#include "ui/shared/proxy_log_model.h"
#include "ui/shared/services_model.h"
#include "ui/shared/upstreams_model.h"
#include "ui/shell/console_session.h"
#include "ui/shell/mesh_runner.h"
#include "ui/shell/service_commands.h"

namespace meshx::ui {

ConsoleContext::ConsoleContext(ConsoleSession& session, QObject* parent)
    : QObject(parent),
      session_(session),
      monitor_(&session.engine().monitor()),
      services_(new ServicesModel(this)),
      history_(new HealthHistoryModel(this)),
      upstreams_(new UpstreamsModel(this)),
      logs_(new ProxyLogModel(this)),
      intentions_(new IntentionsModel(session.api(), session.engine().intentions(), this)),
      commands_(new ServiceCommands(*this, this)) {
    connect(monitor_, &engine::AgentMonitor::servicesChanged, this, [this] {
        services_->setSnapshot(monitor_->snapshot());
        upstreams_->setSnapshot(monitor_->snapshot());
        monitor_->setDestinations(upstreams_->destinations());
    });
    connect(monitor_, &engine::AgentMonitor::checksChanged, this, [this](qint64 timeUs) {
        history_->observe(monitor_->snapshot().checks, timeUs);
        services_->setSnapshot(monitor_->snapshot());
    });
    connect(monitor_, &engine::AgentMonitor::destinationsChanged, this,
            [this] { upstreams_->setDestinationHealth(monitor_->destinations()); });
    // An intention's effect shows on the upstreams it decides.
    connect(&session.engine().intentions(), &engine::IntentionsWatch::changed, this,
            [this] { upstreams_->setVerdicts(session_.engine().intentions().verdicts()); });
    // The checks watch only wakes on a change, and a calm service must stop being flagged as
    // flapping once its window slides past: look again at the last known checks now and then.
    auto* slide = new QTimer(this);
    slide->setInterval(5000);
    connect(slide, &QTimer::timeout, this, [this] {
        history_->observe(monitor_->snapshot().checks, QDateTime::currentMSecsSinceEpoch() * 1000);
    });
    slide->start();
    connect(history_, &HealthHistoryModel::flappingChanged, this,
            [this] { services_->setFlapping(history_->flappingServices()); });
    // A service registered again after the agent came back: ownership may have changed.
    connect(monitor_, &engine::AgentMonitor::reachabilityChanged, this, [this](bool reachable) {
        if (reachable) {
            refreshOwned();
            intentions_->agentRecovered();
        }
    });
}

ConsoleContext::~ConsoleContext() = default;

void ConsoleContext::start(std::chrono::milliseconds interval) {
    monitor_->start(interval);
    intentions_->start();
    refreshOwned();
}

void ConsoleContext::refresh() {
    refreshOwned();
    monitor_->refreshNow();
}

void ConsoleContext::refreshOwned() {
    mesh::ServiceMesh* mesh = &session_.mesh();
    session_.runner().query<std::vector<std::string>>([mesh] { return mesh->list(); }, this,
                                                      [this](std::vector<std::string> ids) {
                                                          std::set<std::string> now(ids.begin(),
                                                                                    ids.end());
                                                          if (now == owned_) {
                                                              return;
                                                          }
                                                          owned_ = std::move(now);
                                                          services_->setOwned(owned_);
                                                          upstreams_->setOwned(owned_);
                                                          emit ownedChanged();
                                                      });
}

}  // namespace meshx::ui
