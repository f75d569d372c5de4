#include "engine/agent_monitor.h"

#include <QDateTime>

#include <algorithm>

#include "consul/agent_endpoints.h"
#include "consul/blocking_watcher.h"
#include "consul/catalog_endpoints.h"
#include "consul/consul_api.h"
#include "consul/decode.h"
#include "telemetry/event.h"
#include "telemetry/telemetry_bus.h"

namespace meshx::engine {

namespace ep = consul::endpoints;

namespace {

// GET /health/state/any (blocks by index): every check in the datacenter. The consul module
// has no typed call for it yet; this one only composes its decoders.
consul::Call<std::vector<consul::HealthCheck>> healthStateAny() {
    consul::Call<std::vector<consul::HealthCheck>> call;
    call.request = consul::Request::get("/health/state/any");
    call.decode = [](const consul::Response& r) -> Result<std::vector<consul::HealthCheck>> {
        auto j = r.json();
        if (!j) {
            return j.error();
        }
        if (!j->is_array()) {
            return makeError(Code::ProtocolError, "/health/state/any: not a list");
        }
        std::vector<consul::HealthCheck> out;
        out.reserve(j->size());
        for (const auto& item : *j) {
            auto check = consul::decodeHealthCheck(item);
            if (!check) {
                return check.error();
            }
            out.push_back(std::move(*check));
        }
        return out;
    };
    return call;
}

bool allPassing(const std::vector<consul::HealthCheck>& checks) {
    return std::all_of(checks.begin(), checks.end(),
                       [](const consul::HealthCheck& c) { return c.status == "passing"; });
}

}  // namespace

AgentMonitor::AgentMonitor(consul::ConsulApi& api, QObject* parent) : QObject(parent), api_(api) {
    connect(&timer_, &QTimer::timeout, this, &AgentMonitor::poll);
}

AgentMonitor::~AgentMonitor() {
    if (checksWatcher_) {
        checksWatcher_->stop();
    }
}

void AgentMonitor::start(std::chrono::milliseconds interval) {
    timer_.start(interval);
    consul::BlockingWatcher::Options options;
    options.wait = std::chrono::seconds(60);
    // Come back quickly when the agent does: a console waiting 30 s to notice looks broken.
    options.backoff.initial = std::chrono::milliseconds(200);
    options.backoff.max = std::chrono::seconds(2);
    checksWatcher_ = consul::BlockingWatcher::typed<std::vector<consul::HealthCheck>>(
        api_, healthStateAny(), options, this,
        [this](const std::vector<consul::HealthCheck>& checks, uint64_t) { onChecks(checks); });
    checksWatcher_->start();
    poll();
}

void AgentMonitor::refreshNow() {
    poll();
}

void AgentMonitor::poll() {
    if (polling_) {
        return;
    }
    polling_ = true;
    api_.callAsync<std::map<std::string, consul::AgentService>>(
        ep::agentServices(), this,
        [this](Result<std::map<std::string, consul::AgentService>> services) {
            polling_ = false;
            if (!services) {
                setReachable(false, QString::fromStdString(services.error().message));
                return;
            }
            const bool wasReachable = reachable_ && known_;
            setReachable(true, {});
            if (!wasReachable || !hasSelf_) {
                readSelf();
            }
            snapshot_.services = std::move(*services);
            emit servicesChanged();
            pollDestinations();
        });
}

void AgentMonitor::readSelf() {
    api_.callAsync<consul::AgentSelf>(ep::agentSelf(), this,
                                      [this](Result<consul::AgentSelf> self) {
                                          if (!self) {
                                              return;
                                          }
                                          self_ = std::move(*self);
                                          hasSelf_ = true;
                                          // The node is known now: re-filter the checks.
                                          onChecks(allChecks_);
                                          emit selfChanged();
                                      });
}

std::string AgentMonitor::nodeAddress() const {
    const auto& raw = self_.raw;
    if (raw.is_object() && raw.contains("Member") && raw["Member"].is_object()) {
        const auto& member = raw["Member"];
        if (member.contains("Addr") && member["Addr"].is_string()) {
            return member["Addr"].get<std::string>();
        }
    }
    return {};
}

void AgentMonitor::setReachable(bool reachable, const QString& error) {
    lastError_ = error;
    if (known_ && reachable == reachable_) {
        return;
    }
    const bool wasKnown = known_;
    known_ = true;
    reachable_ = reachable;
    if (!reachable) {
        ++outages_;
    }
    // The degraded mode is counted in telemetry too (source "console").
    if (wasKnown || !reachable) {
        telemetry::Event e;
        e.source = "console";
        e.name = reachable ? "agent.reachable" : "agent.unreachable";
        e.meta = {{"error", error.toStdString()}};
        e.metrics = {{"outages", outages_}};
        telemetry::TelemetryBus::global().publish(std::move(e));
    }
    emit reachabilityChanged(reachable, error);
}

void AgentMonitor::onChecks(const std::vector<consul::HealthCheck>& checks) {
    allChecks_ = checks;
    std::vector<consul::HealthCheck> ours;
    for (const auto& c : checks) {
        // Node checks (serfHealth) belong to no service; other nodes' checks to other agents.
        if (c.serviceId.empty() || (hasSelf_ && !c.node.empty() && c.node != self_.nodeName)) {
            continue;
        }
        ours.push_back(c);
    }
    snapshot_.checks = std::move(ours);
    emit checksChanged(QDateTime::currentMSecsSinceEpoch() * 1000);
}

void AgentMonitor::setDestinations(const QStringList& names) {
    destinationNames_ = names;
    destinationNames_.removeDuplicates();
    for (auto it = destinations_.begin(); it != destinations_.end();) {
        if (!destinationNames_.contains(QString::fromStdString(it->first))) {
            it = destinations_.erase(it);
        } else {
            ++it;
        }
    }
    pollDestinations();
}

void AgentMonitor::pollDestinations() {
    if (destinationsInFlight_ > 0 || destinationNames_.isEmpty()) {
        return;
    }
    for (const QString& name : destinationNames_) {
        ++destinationsInFlight_;
        const std::string key = name.toStdString();
        api_.callAsync<consul::Indexed<std::vector<consul::ServiceEntry>>>(
            ep::healthService(key), this,
            [this, key](Result<consul::Indexed<std::vector<consul::ServiceEntry>>> entries) {
                --destinationsInFlight_;
                if (entries && destinationNames_.contains(QString::fromStdString(key))) {
                    DestinationHealth h;
                    h.known = true;
                    h.total = static_cast<int>(entries->value.size());
                    for (const auto& e : entries->value) {
                        h.passing += allPassing(e.checks) ? 1 : 0;
                    }
                    auto& slot = destinations_[key];
                    const bool changed =
                        !slot.known || slot.passing != h.passing || slot.total != h.total;
                    slot = h;
                    if (changed) {
                        emit destinationsChanged();
                    }
                }
            });
    }
}

}  // namespace meshx::engine
