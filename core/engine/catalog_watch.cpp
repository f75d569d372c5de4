#include "engine/catalog_watch.h"

#include <algorithm>
#include <map>

#include "consul/blocking_watcher.h"
#include "consul/catalog_endpoints.h"

namespace meshx::engine {

namespace ep = consul::endpoints;

namespace {

int severity(const std::string& status) {
    if (status == "passing") {
        return 0;
    }
    if (status == "warning") {
        return 1;
    }
    if (status == "critical") {
        return 2;
    }
    if (status == "maintenance") {
        return 3;
    }
    return 2;  // an unknown word is not healthy
}

consul::BlockingWatcher::Options watchOptions(bool skipUnchanged) {
    consul::BlockingWatcher::Options options;
    options.wait = std::chrono::seconds(60);
    options.backoff.initial = std::chrono::milliseconds(200);
    options.backoff.max = std::chrono::seconds(2);
    options.skipUnchangedBody = skipUnchanged;
    return options;
}

}  // namespace

std::string CatalogSnapshot::aggregate(const std::vector<consul::HealthCheck>& checks) {
    std::string worst = "passing";
    for (const auto& check : checks) {
        if (severity(check.status) > severity(worst)) {
            worst = check.status;
        }
    }
    return worst;
}

std::vector<consul::HealthCheck> CatalogSnapshot::checksOfNode(const std::string& node) const {
    std::vector<consul::HealthCheck> out;
    for (const auto& check : nodeChecks) {
        if (check.node == node) {
            out.push_back(check);
        }
    }
    return out;
}

int CatalogSnapshot::instancesOn(const std::string& node) const {
    return static_cast<int>(
        std::count_if(instances.begin(), instances.end(),
                      [&](const consul::ServiceEntry& e) { return e.node.node == node; }));
}

CatalogWatch::CatalogWatch(consul::ConsulApi& api, QObject* parent) : QObject(parent), api_(api) {
    // Several watchers often wake together (a registration touches services and checks): one
    // read answers them all.
    coalesce_.setSingleShot(true);
    coalesce_.setInterval(50);
    connect(&coalesce_, &QTimer::timeout, this, &CatalogWatch::startRead);
}

CatalogWatch::~CatalogWatch() {
    stop();
}

void CatalogWatch::watch(const std::string& dc) {
    stop();
    dc_ = dc;
    snapshot_ = CatalogSnapshot{};
    snapshot_.datacenter = dc;
    loaded_ = false;
    const uint64_t generation = ++generation_;
    auto wake = [this, generation](const auto&, uint64_t) {
        if (generation == generation_) {
            coalesce_.start();
        }
    };
    auto error = [this, generation](const Error& e, std::chrono::milliseconds retryIn) {
        fail(generation, QString::fromStdString(e.message) +
                             QStringLiteral(" (retrying in %1 ms)").arg(retryIn.count()));
    };
    using Nodes = consul::Indexed<std::vector<consul::Node>>;
    using Services = consul::Indexed<std::map<std::string, std::vector<std::string>>>;
    using Checks = consul::Indexed<std::vector<consul::HealthCheck>>;
    watchers_.push_back(consul::BlockingWatcher::typed<Nodes>(
        api_, ep::catalogNodes(dc), watchOptions(true), this, wake, error));
    watchers_.push_back(consul::BlockingWatcher::typed<Services>(
        api_, ep::catalogServices({}, {}, dc), watchOptions(false), this, wake, error));
    watchers_.push_back(consul::BlockingWatcher::typed<Checks>(
        api_, ep::healthState("any", dc), watchOptions(true), this, wake, error));
    for (auto& watcher : watchers_) {
        watcher->start();
    }
    readDatacenters();
}

void CatalogWatch::stop() {
    ++generation_;
    for (auto& watcher : watchers_) {
        watcher->stop();
    }
    watchers_.clear();
    coalesce_.stop();
    reading_ = false;
    again_ = false;
}

void CatalogWatch::refresh() {
    coalesce_.start();
}

void CatalogWatch::startRead() {
    if (reading_) {
        again_ = true;
        return;
    }
    reading_ = true;
    again_ = false;
    const uint64_t generation = generation_;
    auto next = std::make_shared<CatalogSnapshot>();
    next->datacenter = dc_;
    using Nodes = consul::Indexed<std::vector<consul::Node>>;
    api_.callAsync<Nodes>(ep::catalogNodes(dc_), this,
                          [this, generation, next](Result<Nodes> nodes) {
                              if (generation != generation_) {
                                  return;
                              }
                              if (!nodes) {
                                  fail(generation, QString::fromStdString(nodes.error().message));
                                  return;
                              }
                              next->nodes = std::move(nodes->value);
                              readServices(generation, next);
                          });
    readDatacenters();
}

void CatalogWatch::readServices(uint64_t generation, std::shared_ptr<CatalogSnapshot> next) {
    using Services = consul::Indexed<std::map<std::string, std::vector<std::string>>>;
    using Checks = consul::Indexed<std::vector<consul::HealthCheck>>;
    api_.callAsync<Checks>(
        ep::healthState("any", dc_), this, [this, generation, next](Result<Checks> checks) {
            if (generation != generation_) {
                return;
            }
            if (!checks) {
                fail(generation, QString::fromStdString(checks.error().message));
                return;
            }
            for (auto& check : checks->value) {
                if (check.serviceId.empty()) {
                    next->nodeChecks.push_back(std::move(check));
                }
            }
            api_.callAsync<Services>(
                ep::catalogServices({}, {}, dc_), this,
                [this, generation, next](Result<Services> services) {
                    if (generation != generation_) {
                        return;
                    }
                    if (!services) {
                        fail(generation, QString::fromStdString(services.error().message));
                        return;
                    }
                    if (services->value.empty()) {
                        finishRead(generation, *next);
                        return;
                    }
                    // One health read per name; the last answer completes the snapshot.
                    auto left = std::make_shared<size_t>(services->value.size());
                    auto failedOnce = std::make_shared<bool>(false);
                    using Entries = consul::Indexed<std::vector<consul::ServiceEntry>>;
                    for (const auto& [name, tags] : services->value) {
                        ep::HealthQuery query;
                        query.datacenter = dc_;
                        api_.callAsync<Entries>(
                            ep::healthService(name, query), this,
                            [this, generation, next, left, failedOnce](Result<Entries> entries) {
                                if (generation != generation_ || *failedOnce) {
                                    return;
                                }
                                if (!entries) {
                                    *failedOnce = true;
                                    fail(generation,
                                         QString::fromStdString(entries.error().message));
                                    return;
                                }
                                for (auto& entry : entries->value) {
                                    next->instances.push_back(std::move(entry));
                                }
                                if (--*left == 0) {
                                    finishRead(generation, *next);
                                }
                            });
                    }
                });
        });
}

void CatalogWatch::finishRead(uint64_t generation, const CatalogSnapshot& next) {
    if (generation != generation_) {
        return;
    }
    snapshot_ = next;
    // The reads are not one transaction: a node registered between the nodes read and the
    // health reads is known from its instances already (the next read lists it properly).
    for (const auto& entry : snapshot_.instances) {
        const bool listed =
            std::any_of(snapshot_.nodes.begin(), snapshot_.nodes.end(),
                        [&](const consul::Node& n) { return n.node == entry.node.node; });
        if (!listed) {
            snapshot_.nodes.push_back(entry.node);
        }
    }
    std::sort(snapshot_.nodes.begin(), snapshot_.nodes.end(),
              [](const consul::Node& a, const consul::Node& b) { return a.node < b.node; });
    std::sort(snapshot_.instances.begin(), snapshot_.instances.end(),
              [](const consul::ServiceEntry& a, const consul::ServiceEntry& b) {
                  return std::tie(a.service.service, a.node.node, a.service.id) <
                         std::tie(b.service.service, b.node.node, b.service.id);
              });
    loaded_ = true;
    reading_ = false;
    ++reads_;
    emit changed();
    if (again_) {
        again_ = false;
        coalesce_.start();
    }
}

void CatalogWatch::readDatacenters() {
    const uint64_t generation = generation_;
    api_.callAsync<std::vector<std::string>>(
        ep::catalogDatacenters(), this, [this, generation](Result<std::vector<std::string>> dcs) {
            if (generation != generation_ || !dcs || *dcs == datacenters_) {
                return;
            }
            datacenters_ = std::move(*dcs);
            emit datacentersChanged();
        });
}

void CatalogWatch::fail(uint64_t generation, const QString& error) {
    if (generation != generation_) {
        return;
    }
    if (reading_) {
        reading_ = false;
        // The watchers retry on their own; a read that failed is tried again with the next wake.
    }
    emit failed(error);
}

}  // namespace meshx::engine
