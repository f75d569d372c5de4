#include "ui/catalog/catalog_model.h"

#include <QFont>
#include <QStringList>

#include "ui/shared/health_status.h"

namespace meshx::ui {

namespace {

QString q(const std::string& s) {
    return QString::fromStdString(s);
}

}  // namespace

CatalogModel::CatalogModel(QObject* parent) : QAbstractTableModel(parent) {}

void CatalogModel::setSnapshot(const engine::CatalogSnapshot& snapshot) {
    beginResetModel();
    snapshot_ = snapshot;
    rebuild();
    endResetModel();
}

void CatalogModel::setOwnership(const std::string& localNode, const std::string& localDc,
                                const std::set<std::string>& owned) {
    if (localNode == localNode_ && localDc == localDc_ && owned == owned_) {
        return;
    }
    localNode_ = localNode;
    localDc_ = localDc;
    owned_ = owned;
    if (!rows_.empty()) {
        emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
    }
}

void CatalogModel::setNodeFilter(const QString& node) {
    beginResetModel();
    nodeFilter_ = node;
    rebuild();
    endResetModel();
}

void CatalogModel::rebuild() {
    rows_.clear();
    const std::string node = nodeFilter_.toStdString();
    for (const auto& e : snapshot_.instances) {
        if (node.empty() || e.node.node == node) {
            rows_.push_back(&e);
        }
    }
}

bool CatalogModel::owned(const consul::ServiceEntry& e) const {
    // The snapshot's datacenter is "" when it is the agent's own.
    const bool localDc = snapshot_.datacenter.empty() || snapshot_.datacenter == localDc_;
    return localDc && !localNode_.empty() && e.node.node == localNode_ &&
           owned_.count(e.service.id) > 0;
}

int CatalogModel::rowOf(const QString& node, const QString& id) const {
    for (size_t r = 0; r < rows_.size(); ++r) {
        if (q(rows_[r]->node.node) == node && q(rows_[r]->service.id) == id) {
            return static_cast<int>(r);
        }
    }
    return -1;
}

bool CatalogModel::ownedAt(int row) const {
    return row >= 0 && row < rowCount() && owned(*rows_[static_cast<size_t>(row)]);
}

int CatalogModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}

int CatalogModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant CatalogModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rowCount()) {
        return {};
    }
    const consul::ServiceEntry& e = *rows_[static_cast<size_t>(index.row())];
    const std::string aggregate = health::aggregate(e.checks);
    switch (role) {
        case IdRole:
            return q(e.service.id);
        case NodeRole:
            return q(e.node.node);
        case ServiceRole:
            return q(e.service.service);
        case HealthRole:
            return q(aggregate);
        case OwnedRole:
            return owned(e);
        case Qt::ToolTipRole:
            if (index.column() == Control) {
                return owned(e) ? tr("Started by this console: stop it here or in Services")
                                : tr("Registered by node %1: read-only here").arg(q(e.node.node));
            }
            return {};
        case Qt::FontRole:
            if (owned(e)) {
                QFont bold;
                bold.setBold(true);
                return bold;
            }
            return {};
        case Qt::DisplayRole:
            break;
        default:
            return {};
    }
    switch (index.column()) {
        case Service:
            return q(e.service.service);
        case Id:
            return q(e.service.id);
        case Node:
            return q(e.node.node);
        case Address: {
            const std::string host = e.dialAddress();
            return e.service.port > 0 ? QStringLiteral("%1:%2").arg(q(host)).arg(e.service.port)
                                      : q(host);
        }
        case Health:
            return q(aggregate);
        case Checks: {
            QStringList parts;
            for (const auto& c : e.checks) {
                parts << QStringLiteral("%1: %2").arg(q(c.name.empty() ? c.checkId : c.name),
                                                      q(c.status));
            }
            return parts.join(QStringLiteral(" · "));
        }
        case Tags: {
            QStringList tags;
            for (const auto& t : e.service.tags) {
                tags << q(t);
            }
            return tags.join(QStringLiteral(", "));
        }
        case Control:
            return owned(e) ? tr("★ yours") : tr("read-only");
        default:
            return {};
    }
}

QVariant CatalogModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) {
        return {};
    }
    switch (section) {
        case Service:
            return tr("Service");
        case Id:
            return tr("Instance");
        case Node:
            return tr("Node");
        case Address:
            return tr("Address");
        case Health:
            return tr("Health");
        case Checks:
            return tr("Checks");
        case Tags:
            return tr("Tags");
        case Control:
            return tr("Controls");
        default:
            return {};
    }
}

}  // namespace meshx::ui
