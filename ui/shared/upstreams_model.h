#pragma once

#include <QAbstractTableModel>
#include <QStringList>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "consul/connect_types.h"
#include "engine/agent_snapshot.h"
#include "engine/intention_verdicts.h"

namespace meshx::ui {

// Upstreams of every sidecar proxy on the agent: which service's proxy, the destination, the
// local address the service dials, and how many destination instances are healthy
// (catalog-wide, from AgentMonitor::destinations()), and whether the agent's intentions let the
// proxy service reach the destination (a denied upstream shows as critical whatever the
// destination's health: its connections are refused). Rows are diffed on update.
//
// Thread: GUI thread.
class UpstreamsModel : public QAbstractTableModel {
    Q_OBJECT

  public:
    enum Column { ProxyService, Destination, BindAddress, DestinationHealth, Sidecar, ColumnCount };
    enum Role {
        ProxyServiceIdRole = Qt::UserRole + 1,  // QString: the service the sidecar fronts
        DestinationRole,                        // QString
        HealthRole,                             // QString status word for the badge
        OwnedRole,                              // bool: the proxy service is ours
        DeniedRole,                             // bool: an intention denies the upstream
    };

    struct Row {
        std::string proxyServiceId;
        std::string sidecarId;
        std::string destination;
        std::string bind;
        engine::DestinationHealth health;
        bool owned = false;
        bool denied = false;
        std::string decision;  // the intention that decides, in Consul's words

        bool operator==(const Row&) const;
    };

    explicit UpstreamsModel(QObject* parent = nullptr);

    void setSnapshot(const engine::AgentSnapshot& snapshot);
    void setDestinationHealth(const std::map<std::string, engine::DestinationHealth>& health);
    void setOwned(const std::set<std::string>& ids);
    // The agent's intentions (IntentionsModel's rows). With none matching, an upstream is
    // allowed: the dev agent's and an ACL-less agent's default.
    void setIntentions(const std::vector<consul::Intention>& intentions);
    // The verdicts the engine's intentions watch made of them.
    void setVerdicts(const engine::IntentionVerdicts& verdicts);

    // Every destination named by some upstream (what AgentMonitor should track).
    QStringList destinations() const;
    // Services that have a sidecar (proxy services upstreams can be added to).
    QStringList proxyServices() const;
    const Row* rowAt(int row) const;
    int rowOf(const QString& proxyServiceId, const QString& destination) const;

    // QAbstractItemModel
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

  private:
    void rebuild();
    static QString healthWord(const engine::DestinationHealth& h);

    engine::AgentSnapshot snapshot_;
    std::map<std::string, engine::DestinationHealth> health_;
    std::set<std::string> owned_;
    engine::IntentionVerdicts verdicts_;
    std::vector<Row> rows_;
};

}  // namespace meshx::ui
