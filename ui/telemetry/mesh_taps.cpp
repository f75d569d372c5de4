#include "ui/telemetry/mesh_taps.h"

#include "consul/catalog_endpoints.h"
#include "consul/consul_api.h"
#include "engine/agent_monitor.h"
#include "ui/shell/console_context.h"
#include "ui/shell/console_session.h"

namespace meshx::ui {

namespace {
using ServiceNames = consul::Indexed<std::map<std::string, std::vector<std::string>>>;
using ServiceNodes = consul::Indexed<std::vector<consul::CatalogServiceNode>>;
}  // namespace

MeshTaps::MeshTaps(QObject* parent)
    : QObject(parent),
      subscriber_(std::make_shared<telemetry::TapSubscriber>(telemetry::TapSubscriber::Options{})) {
    catalogTimer_.setInterval(kCatalogPeriodMs);
    connect(&catalogTimer_, &QTimer::timeout, this, &MeshTaps::readCatalog);
}

MeshTaps::~MeshTaps() = default;

void MeshTaps::setContext(ConsoleContext* context) {
    if (context_ == context)
        return;
    if (context_)
        disconnect(&context_->monitor(), nullptr, this, nullptr);
    context_ = context;
    remote_.clear();
    if (context_ == nullptr) {
        catalogTimer_.stop();
        rediscover();
        return;
    }
    connect(&context_->monitor(), &engine::AgentMonitor::servicesChanged, this,
            &MeshTaps::rediscover);
    catalogTimer_.start();
    rediscover();
    readCatalog();
}

void MeshTaps::rediscover() {
    std::vector<telemetry::TapAdvert> adverts;
    names_.clear();
    if (context_) {
        for (const auto& [id, svc] : context_->monitor().snapshot().services) {
            adverts.push_back({id, svc.service, {}, svc.meta});
            names_[id] = svc.service;
            if (svc.kind == "connect-proxy" && svc.proxy &&
                !svc.proxy->destinationServiceName.empty())
                names_[id] = svc.proxy->destinationServiceName;
        }
    }
    for (const auto& a : remote_) {
        adverts.push_back(a);
        names_.emplace(a.serviceId, a.serviceName);
    }
    auto found = telemetry::tapTargets(adverts);
    if (found == targets_)
        return;
    targets_ = std::move(found);
    subscriber_->setTargets(targets_);
    emit targetsChanged();
}

void MeshTaps::readCatalog() {
    // Other nodes of a real cluster: their services are in the catalog, not in /agent/services.
    if (!context_ || catalogInFlight_ > 0)
        return;
    const std::string self =
        context_->monitor().hasSelf() ? context_->monitor().self().nodeName : std::string();
    consul::ConsulApi& api = context_->session().api();
    ++catalogInFlight_;
    api.callAsync<ServiceNames>(
        consul::endpoints::catalogServices(), this, [this, self, &api](Result<ServiceNames> names) {
            --catalogInFlight_;
            if (!names || !context_)
                return;
            auto round = std::make_shared<std::vector<telemetry::TapAdvert>>();
            size_t asked = 0;
            for (const auto& [name, tags] : names->value) {
                if (++asked > kMaxCatalogNames)
                    break;
                ++catalogInFlight_;
                api.callAsync<ServiceNodes>(
                    consul::endpoints::catalogService(name), this,
                    [this, self, round](Result<ServiceNodes> nodes) {
                        --catalogInFlight_;
                        if (nodes) {
                            for (const auto& n : nodes->value) {
                                if (n.node != self && !self.empty())
                                    round->push_back({n.serviceId, n.serviceName, n.node,
                                                      n.serviceMeta, n.address});
                            }
                        }
                        if (catalogInFlight_ == 0) {
                            remote_ = *round;
                            rediscover();
                        }
                    });
            }
        });
}

}  // namespace meshx::ui
