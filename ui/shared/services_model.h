#pragma once

#include <QAbstractTableModel>
#include <QHash>
#include <QStringList>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "consul/agent_types.h"
#include "engine/agent_snapshot.h"

namespace meshx::ui {

// Every service on the agent, one row each, fed by AgentMonitor snapshots. Sidecar proxies are
// rows too (IsSidecarRole) and also summarised in their parent's Sidecar column. Updates are
// diffs: rows that changed emit dataChanged, new rows come in one insert, so selection and
// scroll position survive a refresh.
//
// Thread: GUI thread.
class ServicesModel : public QAbstractTableModel {
    Q_OBJECT

  public:
    enum Column { Owned, Name, Id, Address, Tags, Meta, Sidecar, Health, Checks, ColumnCount };
    enum Role {
        IdRole = Qt::UserRole + 1,  // QString service id (any column)
        NameRole,                   // QString service name
        HealthRole,                 // QString aggregate status word
        SeverityRole,               // int, for sorting the Health column
        OwnedRole,                  // bool: started by this console
        IsSidecarRole,              // bool: a connect-proxy
        HasSidecarRole,             // bool: a service with a sidecar registered
        SearchFieldsRole,           // QStringList "name:..", "id:..", "tag:..", "meta:k=v"
        FlappingRole,               // bool
        NoteRole,                   // QString drawn after the health badge ("flapping")
    };

    struct Row {
        std::string id;
        std::string name;
        std::string kind;
        std::string address;
        int port = 0;
        std::vector<std::string> tags;
        std::map<std::string, std::string> meta;
        std::string localAddress;   // of a service with a sidecar: where the sidecar dials it
        std::string sidecarId;      // of a service: its sidecar's id
        std::string sidecarHealth;  // and that sidecar's aggregate
        std::string destination;    // of a sidecar: the service it fronts
        std::string health;
        std::vector<consul::HealthCheck> checks;
        bool owned = false;
        bool flapping = false;

        bool operator==(const Row&) const;
    };

    explicit ServicesModel(QObject* parent = nullptr);

    void setSnapshot(const engine::AgentSnapshot& snapshot);
    // Ids of the services this console's engine started.
    void setOwned(const std::set<std::string>& ids);
    void setFlapping(const std::set<std::string>& ids);

    // The row of `id`, or -1; the row's data, or null.
    int rowOf(const QString& id) const;
    const Row* rowAt(int row) const;
    const Row* find(const QString& id) const;
    // Distinct names of non-proxy services (upstream and intention pickers).
    QStringList serviceNames() const;

    // QAbstractItemModel
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

  private:
    void rebuild();
    QString checksSummary(const Row& row) const;

    engine::AgentSnapshot snapshot_;
    std::set<std::string> owned_;
    std::set<std::string> flapping_;
    std::vector<Row> rows_;
    QHash<QString, int> index_;
};

}  // namespace meshx::ui
