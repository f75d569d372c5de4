#pragma once

#include <QAbstractTableModel>

#include "engine/catalog_watch.h"

namespace meshx::ui {

// The nodes of one datacenter's catalog for the Catalog view's node list: first "All nodes",
// then each node with its address, how many service instances it holds and its node-level
// health. Selecting a row filters the instances (NodeRole: "" for all).
//
// Thread: GUI thread.
class CatalogNodesModel : public QAbstractTableModel {
    Q_OBJECT

  public:
    enum Column { Node, Address, Instances, Health, ColumnCount };
    enum Role { NodeRole = Qt::UserRole + 1, HealthRole };

    explicit CatalogNodesModel(QObject* parent = nullptr);

    void setSnapshot(const engine::CatalogSnapshot& snapshot);
    // Row of `node` ("" is the All row), or -1.
    int rowOf(const QString& node) const;

    // QAbstractItemModel
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

  private:
    engine::CatalogSnapshot snapshot_;
};

}  // namespace meshx::ui
