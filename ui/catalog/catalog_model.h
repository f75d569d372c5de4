#pragma once

#include <QAbstractTableModel>
#include <QString>

#include <set>
#include <string>
#include <vector>

#include "engine/catalog_watch.h"

namespace meshx::ui {

// Every service instance of one datacenter's catalog, on every node, with its health: the rows of
// the Catalog view. Optionally only the instances of one node. An instance is "ours" when it
// runs on the agent's own node in the agent's own datacenter and this console started it: only
// those keep their controls; everything else is read-only (OwnedRole false).
//
// Thread: GUI thread.
class CatalogModel : public QAbstractTableModel {
    Q_OBJECT

  public:
    enum Column { Service, Id, Node, Address, Health, Control, Tags, Checks, ColumnCount };
    enum Role { IdRole = Qt::UserRole + 1, NodeRole, HealthRole, OwnedRole, ServiceRole };

    explicit CatalogModel(QObject* parent = nullptr);

    void setSnapshot(const engine::CatalogSnapshot& snapshot);
    // The agent's own node and datacenter, and the ids this console started.
    void setOwnership(const std::string& localNode, const std::string& localDc,
                      const std::set<std::string>& owned);
    // Only instances on `node` ("" for every node).
    void setNodeFilter(const QString& node);
    QString nodeFilter() const { return nodeFilter_; }

    const engine::CatalogSnapshot& snapshot() const { return snapshot_; }
    // Row of the instance `id` on `node`, or -1.
    int rowOf(const QString& node, const QString& id) const;
    bool ownedAt(int row) const;

    // QAbstractItemModel
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

  private:
    void rebuild();
    bool owned(const consul::ServiceEntry& e) const;

    engine::CatalogSnapshot snapshot_;
    std::vector<const consul::ServiceEntry*> rows_;
    QString nodeFilter_;
    std::string localNode_;
    std::string localDc_;
    std::set<std::string> owned_;
};

}  // namespace meshx::ui
