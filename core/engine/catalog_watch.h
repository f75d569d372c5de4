#pragma once

#include <QObject>
#include <QString>
#include <QTimer>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "consul/agent_types.h"
#include "consul/catalog_types.h"

namespace meshx::consul {
class BlockingWatcher;
class ConsulApi;
}  // namespace meshx::consul

namespace meshx::engine {

// One datacenter's catalog as an operator reads it: every node (with its node-level checks) and
// every service instance on every node with its checks.
struct CatalogSnapshot {
    std::string datacenter;
    std::vector<consul::Node> nodes;              // by node name
    std::vector<consul::ServiceEntry> instances;  // by service name, then node, then ID
    std::vector<consul::HealthCheck> nodeChecks;  // checks with no ServiceID

    // Worst status of `checks` ("passing" when there are none).
    static std::string aggregate(const std::vector<consul::HealthCheck>& checks);
    // Node-level checks of `node`.
    std::vector<consul::HealthCheck> checksOfNode(const std::string& node) const;
    // Instances registered on `node`.
    int instancesOn(const std::string& node) const;
};

// Watches the catalog of one datacenter (?dc=) with blocking queries and keeps a CatalogSnapshot:
// three watchers wake it — /catalog/nodes (nodes come and go), /catalog/services (instances come
// and go: any new index, since a second instance of a known name leaves the body unchanged) and
// /health/state/any (health changes) — and each wake-up (coalesced: at most one read in flight,
// one more queued) reads /catalog/nodes, /catalog/services and /health/service/:name for every
// name. It also lists the known datacenters (/catalog/datacenters) on start and on each change.
//
// Errors emit failed() and the watchers retry with back-off; the last snapshot stays.
// Standalone (needs only a ConsulApi); the engine's Session owns one per session.
// Thread: the owner's thread (create, call, destroy; signals are emitted on it). `api` must
// outlive the watch.
class CatalogWatch : public QObject {
    Q_OBJECT

  public:
    explicit CatalogWatch(consul::ConsulApi& api, QObject* parent = nullptr);
    ~CatalogWatch() override;

    // Starts watching datacenter `dc` ("" is the agent's own), replacing an earlier watch.
    void watch(const std::string& dc = {});
    void stop();
    // Reads the catalog again now (after a command of ours, so it shows without waiting).
    void refresh();

    const std::string& datacenter() const { return dc_; }
    const CatalogSnapshot& snapshot() const { return snapshot_; }
    // True once the first full read of the current watch arrived.
    bool loaded() const { return loaded_; }
    const std::vector<std::string>& datacenters() const { return datacenters_; }
    // Full reads completed so far (tests).
    uint64_t reads() const { return reads_; }

  signals:
    void changed();
    void datacentersChanged();
    void failed(const QString& error);

  private:
    void startRead();
    void readServices(uint64_t generation, std::shared_ptr<CatalogSnapshot> next);
    void readDatacenters();
    void finishRead(uint64_t generation, const CatalogSnapshot& next);
    void fail(uint64_t generation, const QString& error);

    consul::ConsulApi& api_;
    std::vector<std::unique_ptr<consul::BlockingWatcher>> watchers_;
    QTimer coalesce_;
    std::string dc_;
    CatalogSnapshot snapshot_;
    std::vector<std::string> datacenters_;
    bool loaded_ = false;
    bool reading_ = false;
    bool again_ = false;
    uint64_t reads_ = 0;
    uint64_t generation_ = 0;
};

}  // namespace meshx::engine
