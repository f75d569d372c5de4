#include "ui/catalog/catalog_nodes_model.h"

#include "ui/shared/health_status.h"

namespace meshx::ui {

CatalogNodesModel::CatalogNodesModel(QObject* parent) : QAbstractTableModel(parent) {}

void CatalogNodesModel::setSnapshot(const engine::CatalogSnapshot& snapshot) {
    beginResetModel();
    snapshot_ = snapshot;
    endResetModel();
}

int CatalogNodesModel::rowOf(const QString& node) const {
    for (int r = 0; r < rowCount(); ++r) {
        if (index(r, 0).data(NodeRole).toString() == node) {
            return r;
        }
    }
    return -1;
}

int CatalogNodesModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(snapshot_.nodes.size()) + 1;
}

int CatalogNodesModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant CatalogNodesModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rowCount()) {
        return {};
    }
    if (index.row() == 0) {
        if (role == NodeRole) {
            return QString();
        }
        if (role == Qt::DisplayRole) {
            switch (index.column()) {
                case Node:
                    return tr("All nodes (%1)").arg(snapshot_.nodes.size());
                case Instances:
                    return static_cast<qulonglong>(snapshot_.instances.size());
                default:
                    return {};
            }
        }
        return {};
    }
    const consul::Node& node = snapshot_.nodes[static_cast<size_t>(index.row() - 1)];
    const std::string status = health::aggregate(snapshot_.checksOfNode(node.node));
    switch (role) {
        case NodeRole:
            return QString::fromStdString(node.node);
        case HealthRole:
            return QString::fromStdString(status);
        case Qt::ToolTipRole:
            return tr("Node %1 (%2), datacenter %3")
                .arg(QString::fromStdString(node.node), QString::fromStdString(node.address),
                     QString::fromStdString(node.datacenter));
        case Qt::DisplayRole:
            break;
        default:
            return {};
    }
    switch (index.column()) {
        case Node:
            return QString::fromStdString(node.node);
        case Address:
            return QString::fromStdString(node.address);
        case Instances:
            return snapshot_.instancesOn(node.node);
        case Health:
            return QString::fromStdString(status);
        default:
            return {};
    }
}

QVariant CatalogNodesModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) {
        return {};
    }
    switch (section) {
        case Node:
            return tr("Node");
        case Address:
            return tr("Address");
        case Instances:
            return tr("Instances");
        case Health:
            return tr("Node health");
        default:
            return {};
    }
}

}  // namespace meshx::ui
